// A user's API keys as Heroku's OAuth authorizations: list, show, create (the token shown that
// once) and revoke. Only the caller's own keys: another user's id answers 404 like a missing one.
import { Router } from "express";
import { z } from "zod";
import { type ApiKeyScope, USER_KEY_SCOPES, createApiKeyRow, getApiKey, listApiKeys, revokeApiKey } from "../../db/index.ts";
import { notFound } from "../../lib/errors.ts";
import { auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { authorizationShape } from "../shapes.ts";
import { BY_CREATED_ID, sendList } from "../ranges.ts";

const TEN_YEARS = 10 * 365 * 24 * 3600;

const CreateAuthorization = z
  .object({
    description: z.string().max(200).optional(),
    scope: z.array(z.enum(USER_KEY_SCOPES)).min(1).optional(),
    expires_in: z.number().int().positive().max(TEN_YEARS).optional(),
  })
  .passthrough();

// Not a uuid cannot name a key; saying 404 keeps PostgreSQL's cast error out of the answer.
const keyId = (id: string) => (z.string().uuid().safeParse(id).success ? id : undefined);

export function authorizationRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function ownKey(userId: string, id: string) {
    const valid = keyId(id);
    const key = valid ? await getApiKey(ctx.db, userId, valid) : undefined;
    if (!key) throw notFound(`Couldn't find that authorization: ${id}.`);
    return key;
  }

  router.get("/oauth/authorizations", async (req, res) => {
    sendList(req, res, (await listApiKeys(ctx.db, req.user!.id)).map((k) => authorizationShape(k)), BY_CREATED_ID);
  });

  router.get("/oauth/authorizations/:id", async (req, res) => {
    res.json(authorizationShape(await ownKey(req.user!.id, req.params.id)));
  });

  router.post("/oauth/authorizations", async (req, res) => {
    const body = parseBody(CreateAuthorization, req.body);
    const scope = [...new Set<ApiKeyScope>(body.scope ?? ["global"])];
    const { key, row } = await createApiKeyRow(
      ctx.db,
      req.user!.id,
      { description: body.description, scope, expiresIn: body.expires_in },
      auditOf(req, "authorization.create", undefined, { scope }),
    );
    res.status(201).json(authorizationShape(row, key));
  });

  router.delete("/oauth/authorizations/:id", async (req, res) => {
    const key = await ownKey(req.user!.id, req.params.id);
    const revoked = await revokeApiKey(ctx.db, req.user!.id, key.id, auditOf(req, "authorization.revoke", undefined, { id: key.id }));
    if (!revoked) throw notFound(`Couldn't find that authorization: ${req.params.id}.`);
    res.json(authorizationShape(revoked));
  });

  return router;
}

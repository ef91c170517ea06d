// Users, managed by an admin: list, create (with a first API key, shown that once), remove
// (once they own no app). Heroku has no such resource (its accounts sign up); these are Ouro's.
import { Router } from "express";
import { z } from "zod";
import { createApiKey, createUser, getUser, listUsers, removeUser } from "../../db/index.ts";
import { forbidden } from "../../lib/errors.ts";
import { auditOf, requireAdmin } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { userShape } from "../shapes.ts";
import { sendList } from "../ranges.ts";

const CreateUser = z.object({ email: z.string().trim().toLowerCase().email().max(254) });

export function userRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/users", async (req, res) => {
    requireAdmin(req);
    sendList(req, res, (await listUsers(ctx.db)).map((u) => userShape(u)), { email: (u) => u.email, id: (u) => u.id });
  });

  router.post("/users", async (req, res) => {
    requireAdmin(req);
    const { email } = parseBody(CreateUser, req.body);
    const user = await createUser(ctx.db, email, auditOf(req, "user.create", undefined, { email }));
    const key = await createApiKey(ctx.db, user.id, { description: `made with ${email} by ${req.user!.email}` });
    res.status(201).json(userShape(user, key));
  });

  router.delete("/users/:user", async (req, res) => {
    requireAdmin(req);
    const user = await getUser(ctx.db, req.params.user);
    if (user.id === req.user!.id) throw forbidden("You cannot remove yourself; another admin can.");
    if (user.admin) throw forbidden(`${user.email} is an admin; admins are not removed through the API.`);
    await removeUser(ctx.db, user, auditOf(req, "user.remove", undefined, { email: user.email }));
    res.json(userShape(user));
  });

  return router;
}

// Sharing an app (Heroku's collaborators) and giving it away (Heroku's app transfers, which
// here complete at once: the recipient is a user of this Ouro already).
import { Router } from "express";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { addCollaborator, findUser, listCollaborators, removeCollaborator, transferApp } from "../../db/index.ts";
import { invalidParams, notFound } from "../../lib/errors.ts";
import { appOf, auditOf, reachableApp, refuseSystemApp, requireOwner } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { appTransferShape, collaboratorShape } from "../shapes.ts";
import { sendList } from "../ranges.ts";

// The CLI sends `user` as an email; `silent` (no email sent) means nothing here.
const AddCollaborator = z.object({ user: z.string().trim().min(1).max(254), silent: z.boolean().optional() }).passthrough();
const Transfer = z.object({ app: z.string().min(1), recipient: z.string().trim().min(1).max(254) }).passthrough();

export function collaboratorRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function userNamed(emailOrId: string) {
    const user = await findUser(ctx.db, emailOrId);
    if (!user) throw invalidParams(`There is no user ${emailOrId} on this Ouro (an admin adds one with ouro users:create).`);
    return user;
  }

  router.get("/apps/:app/collaborators", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listCollaborators(ctx.db, app.id)).map((c) => collaboratorShape(c, app)), { email: (c) => c.user.email, id: (c) => c.id });
  });

  router.post("/apps/:app/collaborators", async (req, res) => {
    const app = appOf(res);
    refuseSystemApp(app, "be shared");
    requireOwner(req, app, "add collaborators");
    const user = await userNamed(parseBody(AddCollaborator, req.body).user);
    const added = await addCollaborator(ctx.db, app, user, auditOf(req, "collaborator.add", app, { email: user.email }));
    res.status(201).json(collaboratorShape(added, app));
  });

  // The owner or an admin removes anyone; a collaborator may remove themselves (leave the app).
  router.delete("/apps/:app/collaborators/:user", async (req, res) => {
    const app = appOf(res);
    const user = await findUser(ctx.db, req.params.user);
    if (user?.id !== req.user!.id) requireOwner(req, app, "remove collaborators");
    const removed = user && (await removeCollaborator(ctx.db, app, user, auditOf(req, "collaborator.remove", app, { email: user.email })));
    if (!removed) throw notFound(`${req.params.user} is not a collaborator on ${app.name}.`);
    res.json(collaboratorShape(removed, app));
  });

  // Heroku's POST /account/app-transfers; the app is looked up through the same access check.
  router.post("/account/app-transfers", async (req, res) => {
    const body = parseBody(Transfer, req.body);
    const app = await reachableApp(ctx.db, req, body.app);
    refuseSystemApp(app, "be transferred");
    requireOwner(req, app, "transfer it");
    const recipient = await userNamed(body.recipient);
    // The transfer's id names its audit entry (detail.transfer): the one record of it.
    const id = randomUUID();
    await transferApp(ctx.db, app, recipient, auditOf(req, "app.transfer", app, { transfer: id, from: app.owner_email, to: recipient.email }));
    res.status(201).json(appTransferShape(id, app, recipient, new Date()));
  });

  return router;
}

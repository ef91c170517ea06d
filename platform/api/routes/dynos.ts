// An app's dynos as Heroku's API lists them, and one-off dynos: POST /apps/:app/dynos with
// Heroku's body (`attach`, `force_no_tty`, `time_to_live`, `env` with the client's terminal), and
// the resize of an attached one's terminal; restarts and stops, of all, a type's or one dyno.
import { type Request, type Response, Router } from "express";
import { z } from "zod";
import {
  RELEASE_PHASE_TYPE,
  type RunAttachment,
  createRun,
  getRun,
  listDynos,
  listFormation,
  recordAudit,
  restartFormation,
  runExpiries,
} from "../../db/index.ts";
import { createCronReader } from "../../cron/index.ts";
import { background } from "../../lib/background.ts";
import { RESIZE_CHANNEL, RESTART_CHANNEL, restartMessage } from "../../lib/channels.ts";
import { appendApiEvent } from "../../logs/index.ts";
import { OuroError, forbidden, invalidParams, notFound } from "../../lib/errors.ts";
import { isUuid } from "../../lib/ids.ts";
import { rendezvousFingerprint } from "../../lib/rendezvous-cert.ts";
import {
  type ResizeMessage,
  RunRequestSchema,
  TerminalSizeSchema,
  attachUrl,
  hashAttachSecret,
  newAttachSecret,
  terminalSizeOf,
} from "../../lib/run-contract.ts";
import { appOf, auditOf, isCronKey } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { sizeForHost } from "../limits.ts";
import { dynoShape, runShape } from "../shapes.ts";
import type { AppRow } from "../../db/index.ts";
import { sendList } from "../ranges.ts";

const RunRequest = RunRequestSchema.extend({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,29}$/)
    // The release phase's dynos are the platform's own, and outside the one-off quota.
    .refine((type) => type !== RELEASE_PHASE_TYPE, `"${RELEASE_PHASE_TYPE}" is the release phase's dyno type; pick another`)
    .default("run"),
});
type RunRequest = z.infer<typeof RunRequest>;

/** The rendezvous server is on this host, for this host's users only. */
const RENDEZVOUS_HOST = "127.0.0.1";

export function dynoRoutes(ctx: ApiContext): Router {
  const router = Router();
  const cron = createCronReader({ db: ctx.db, blobs: ctx.blobs });

  /**
   * The cron service's key starts only what the app's own app.json schedules, as a detached
   * `scheduler` dyno of its default size: a leaked key can run a scheduled job early, nothing else.
   */
  async function checkCronRun(appId: string, body: RunRequest): Promise<void> {
    const plain = body.env === undefined && body.size === undefined && !body.attach && body.time_to_live == null;
    if (body.type !== "scheduler" || !plain) {
      throw forbidden("The cron service's key starts only detached `scheduler` dynos, with no env, size or time limit of its own.");
    }
    const scheduled = (await cron.entries(appId)).some((entry) => !entry.error && entry.command === body.command);
    if (!scheduled) throw forbidden("The cron service's key starts only commands the app's app.json schedules.");
  }

  /** An app's dynos with, for one-off dynos, when their time limit ends (Ouro's `expires_at`). */
  async function dynosOf(app: AppRow) {
    const [dynos, expiries] = await Promise.all([listDynos(ctx.db, app.id), runExpiries(ctx.db, app.id)]);
    return dynos.map((d) => dynoShape(d, app, (d.run_id && expiries.get(d.run_id)) || null));
  }

  router.get("/apps/:app/dynos", async (req, res) => {
    sendList(req, res, await dynosOf(appOf(res)), { name: (d) => d.name, id: (d) => d.id });
  });

  router.post("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(RunRequest, req.body);
    if (isCronKey(req)) await checkCronRun(app.id, body);
    const size = body.size === undefined ? undefined : sizeForHost(body.size, ctx.limits).name;
    const attached = body.attach ? attachment(body) : undefined;
    const run = await createRun(
      ctx.db,
      { appId: app.id, command: body.command, type: body.type, env: attached?.env ?? body.env, size, timeToLive: body.time_to_live ?? undefined, attach: attached?.attach },
      { max: ctx.limits.maxOneOffDynos, appName: app.name },
      (made) => auditOf(req, "dyno.run", app, runAudit(made, body)),
    );
    await ctx.notifyFormation(app.name);
    res.status(201).json(runShape(run, app, attached && { url: attachUrl(RENDEZVOUS_HOST, ctx.config.rendezvousPort, attached.secret), fingerprint: attached.fingerprint }));
  });

  /**
   * An attached run's secret (given to the client once, kept only as a hash) and its terminal:
   * the initial size comes from the client's `COLUMNS` and `LINES`, which then stay out of the
   * dyno's env (set there, they would override the terminal's size for curses programs after a
   * resize). Without a terminal (`force_no_tty`), the env goes through as it is.
   */
  function attachment(body: RunRequest): { secret: string; fingerprint: string; attach: RunAttachment; env?: Record<string, string> } {
    const fingerprint = rendezvousFingerprint(ctx.config.dataDir);
    if (!fingerprint) throw new OuroError(503, "rendezvous_unavailable", "The dyno manager has not started its rendezvous server yet: try again in a moment.");
    const secret = newAttachSecret();
    const tty = !body.force_no_tty;
    const size = terminalSizeOf(body.env ?? {});
    const { COLUMNS: _columns, LINES: _lines, ...rest } = body.env ?? {};
    const env = tty && body.env ? rest : body.env;
    return { secret, fingerprint, attach: { secretHash: hashAttachSecret(secret), tty, ...(size ? { size } : {}) }, ...(env ? { env } : {}) };
  }

  router.get("/apps/:app/dynos/:dyno", async (req, res) => {
    const app = appOf(res);
    if (isUuid(req.params.dyno)) return void res.json(runShape(await runOf(app, req.params.dyno), app));
    const dyno = (await dynosOf(app)).find((d) => d.name === req.params.dyno);
    if (!dyno) throw notFound(`Couldn't find that dyno: ${req.params.dyno}.`);
    res.json(dyno);
  });

  // Ouro's own action: the client's window changed size; the dyno manager resizes the terminal.
  router.post("/apps/:app/dynos/:dyno/actions/resize", async (req: Request<{ app: string; dyno: string }>, res) => {
    const app = appOf(res);
    const size = parseBody(TerminalSizeSchema, req.body);
    const run = await runOf(app, req.params.dyno);
    if (!run.tty || run.state === "complete") throw invalidParams(`${run.type}.${run.number} has no terminal to resize: it is not an attached dyno with a terminal that is running.`);
    const message: ResizeMessage = { runId: run.id, ...size };
    await ctx.redis.publish(RESIZE_CHANNEL, JSON.stringify(message));
    res.status(202).json({});
  });

  // Restarting every dyno, or a process type's, is a new generation of the desired model: the dyno
  // manager replaces the dynos through the plan, by the app's strategy (preboot: new ones up first).
  router.delete("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    await restartFormation(ctx.db, app.id, undefined, auditOf(req, "dyno.restart", app, { dynos: "all" }));
    background(console.error, `${app.name}: logging a restart`, () => appendApiEvent(ctx.redis, app.name, "Restart", req.user!.email));
    await ctx.notifyFormation(app.name);
    res.status(202).json({});
  });

  // Heroku's DELETE /apps/:app/dynos/:dyno (restart) and POST …/actions/stop take a dyno's name
  // (`web.1`) or a process type (`web`). A one-off dyno stops either way; the formation's dynos are
  // replaced by the plan either way (the formation still wants them: `ps:scale` removes them), so a
  // stop fails no request.
  router.delete("/apps/:app/dynos/:dyno", (req, res) => restartOrStop(req, res, "dyno.restart"));
  router.post("/apps/:app/dynos/:dyno/actions/stop", (req, res) => restartOrStop(req, res, "dyno.stop"));
  // heroku's `ps:restart -p TYPE` and `ps:stop -p TYPE` name the process type under /formations.
  router.delete("/apps/:app/formations/:type", (req, res) => restartOrStop(req, res, "dyno.restart", { typeOnly: true }));
  router.post("/apps/:app/formations/:type/actions/stop", (req, res) => restartOrStop(req, res, "dyno.stop", { typeOnly: true }));

  async function restartOrStop(
    req: Request<{ app: string; dyno?: string; type?: string }>,
    res: Response,
    action: "dyno.restart" | "dyno.stop",
    opts: { typeOnly?: boolean } = {},
  ) {
    const app = appOf(res);
    const target = req.params.dyno ?? req.params.type!;
    const audit = auditOf(req, action, app, { dynos: target });
    const what = action === "dyno.restart" ? "Restart" : "Stop";
    const announce = () => background(console.error, `${app.name}: logging a ${what.toLowerCase()}`, () => appendApiEvent(ctx.redis, app.name, `${what} ${target}`, audit.actor));
    if ((await listFormation(ctx.db, app.id)).some((f) => f.type === target)) {
      await restartFormation(ctx.db, app.id, [target], audit);
      await ctx.notifyFormation(app.name);
      announce();
      return void res.status(202).json({});
    }
    if (opts.typeOnly) throw notFound(`Couldn't find that formation: ${target}.`);
    if (!(await listDynos(ctx.db, app.id)).some((d) => d.name === target)) throw notFound(`Couldn't find that dyno: ${target}.`);
    // One dyno: nothing in the database changes, so the entry is the change's only trace.
    await recordAudit(ctx.db, audit);
    await ctx.redis.publish(RESTART_CHANNEL, restartMessage(app.name, target));
    announce();
    res.status(202).json({});
  }

  /** A one-off dyno of this app, by its id. */
  async function runOf(app: AppRow, id: string) {
    const run = isUuid(id) ? await getRun(ctx.db, id) : undefined;
    if (!run || run.app_id !== app.id) throw notFound(`Couldn't find that dyno: ${id}.`);
    return run;
  }

  return router;
}

function runAudit(made: { type: string; number: number; size: string; time_to_live: number }, body: RunRequest) {
  return {
    dyno: `${made.type}.${made.number}`,
    command: body.command,
    size: made.size,
    ...(body.attach ? { attach: true } : {}),
    ...(body.time_to_live ? { time_to_live: made.time_to_live } : {}),
  };
}

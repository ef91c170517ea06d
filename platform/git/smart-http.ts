// git's smart HTTP protocol, with git's own receive-pack/upload-pack doing the
// work: we only frame the advertisement and pipe bodies through.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PassThrough, type Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Router, type Request, type Response } from "express";
import { hostApiUrl } from "../lib/config.ts";
import { forbidden, invalidParams } from "../lib/errors.ts";
import { scopedToken } from "../lib/tokens.ts";
import type { ApiContext } from "../api/index.ts";
import { appOf, sourceAddress } from "../api/access.ts";
import { hookScope } from "./hook-routes.ts";
import { hookScript } from "./hook-script.ts";
import { ensureRepo } from "./repos.ts";

const SERVICES = new Set(["git-receive-pack", "git-upload-pack"]);

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, "0") + text;
}

/**
 * Streams `body` into git and git's answer to the client. A client's bad body (not gzip, cut
 * off) or git stopping early ends this one request, logged; it never throws past it.
 */
async function relay(opts: {
  git: ChildProcess;
  body: Readable | null;
  unpack?: Transform;
  res: Response;
  what: string;
}): Promise<void> {
  const { git, res } = opts;
  const exited = new Promise<void>((resolve) => {
    git.once("error", (error) => {
      console.error(`${opts.what}: git could not run: ${error.message}`);
      resolve();
    });
    git.once("close", () => resolve());
  });
  res.on("close", () => git.kill());
  const input = opts.body
    ? pipeline(opts.body, opts.unpack ?? new PassThrough(), git.stdin!).catch((error: Error) => {
        console.error(`${opts.what}: the request body could not reach git: ${error.message}`);
        git.kill();
      })
    : Promise.resolve();
  const output = pipeline(git.stdout!, res).catch(() => git.kill());
  await Promise.all([input, output, exited]);
}

function serviceOf(value: unknown): "git-receive-pack" | "git-upload-pack" {
  if (typeof value !== "string" || !SERVICES.has(value)) {
    throw forbidden("Only git smart HTTP (git-receive-pack, git-upload-pack) is served here.");
  }
  return value as "git-receive-pack" | "git-upload-pack";
}

export function gitRoutes(ctx: ApiContext): Router {
  const router = Router();
  const hook = hookScript(join(ctx.config.dataDir, "hooks"));

  // The app appAccess let through: one the pusher may reach.
  function repoFor(res: Response) {
    const app = appOf(res);
    return { app, path: ensureRepo(ctx.config.dataDir, app.name) };
  }

  router.get("/:app.git/info/refs", async (req, res) => {
    const service = serviceOf(req.query.service);
    const { path } = repoFor(res);
    res.setHeader("Content-Type", `application/x-${service}-advertisement`);
    res.setHeader("Cache-Control", "no-cache");
    res.write(`${pktLine(`# service=${service}\n`)}0000`);
    const git = spawn("git", [service.slice(4), "--stateless-rpc", "--advertise-refs", path]);
    git.stderr.resume();
    await relay({ git, body: null, res, what: `git ${service} advertisement` });
  });

  async function rpc(req: Request, res: Response, service: "git-receive-pack" | "git-upload-pack") {
    const { app, path } = repoFor(res);
    const address = sourceAddress(req) ?? "";
    if (req.headers["content-type"] !== `application/x-${service}-request`) {
      throw invalidParams(`expected a ${service} request body`);
    }
    res.setHeader("Content-Type", `application/x-${service}-result`);
    res.setHeader("Cache-Control", "no-cache");
    const git = spawn("git", [service.slice(4), "--stateless-rpc", path], {
      env: {
        ...process.env,
        OURO_NODE: process.execPath,
        OURO_HOOK_SCRIPT: hook,
        OURO_API_URL: hostApiUrl(ctx.config),
        OURO_APP: app.name,
        OURO_USER_ID: req.user!.id,
        OURO_PUSH_ADDRESS: address,
        OURO_HOOK_TOKEN: scopedToken(ctx.config.secrets.tokenSecret, hookScope(app.name, req.user!.id, address)),
      },
    });
    git.stderr.on("data", (chunk: Buffer) => process.stderr.write(`git ${app.name}: ${chunk}`));
    // A gzip body is unpacked on its way in; a body that is not gzip fails this request only.
    const unpack = req.headers["content-encoding"] === "gzip" ? createGunzip() : new PassThrough();
    await relay({ git, body: req, unpack, res, what: `git ${service} for ${app.name}` });
  }

  router.post("/:app.git/git-receive-pack", (req, res) => rpc(req, res, "git-receive-pack"));
  router.post("/:app.git/git-upload-pack", (req, res) => rpc(req, res, "git-upload-pack"));
  return router;
}

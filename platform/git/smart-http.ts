// git's smart HTTP protocol, with git's own receive-pack/upload-pack doing the
// work: we only frame the advertisement and pipe bodies through.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { Router, type Request, type Response } from "express";
import { getApp } from "../db/index.ts";
import { forbidden, invalidParams } from "../lib/errors.ts";
import { scopedToken } from "../lib/tokens.ts";
import type { ApiContext } from "../api/index.ts";
import { ensureRepo } from "./repos.ts";

const SERVICES = new Set(["git-receive-pack", "git-upload-pack"]);
const HOOK_SCRIPT = fileURLToPath(new URL("./pre-receive.ts", import.meta.url));
const TSX = createRequire(import.meta.url).resolve("tsx");

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, "0") + text;
}

function serviceOf(value: unknown): "git-receive-pack" | "git-upload-pack" {
  if (typeof value !== "string" || !SERVICES.has(value)) {
    throw forbidden("Only git smart HTTP (git-receive-pack, git-upload-pack) is served here.");
  }
  return value as "git-receive-pack" | "git-upload-pack";
}

export function gitRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function repoFor(req: Request) {
    const app = await getApp(ctx.db, String(req.params.app));
    return { app, path: ensureRepo(ctx.config.dataDir, app.name) };
  }

  router.get("/:app.git/info/refs", async (req, res) => {
    const service = serviceOf(req.query.service);
    const { path } = await repoFor(req);
    res.setHeader("Content-Type", `application/x-${service}-advertisement`);
    res.setHeader("Cache-Control", "no-cache");
    res.write(`${pktLine(`# service=${service}\n`)}0000`);
    const git = spawn("git", [service.slice(4), "--stateless-rpc", "--advertise-refs", path]);
    git.stdout.pipe(res);
    git.stderr.resume();
  });

  async function rpc(req: Request, res: Response, service: "git-receive-pack" | "git-upload-pack") {
    const { app, path } = await repoFor(req);
    if (req.headers["content-type"] !== `application/x-${service}-request`) {
      throw invalidParams(`expected a ${service} request body`);
    }
    res.setHeader("Content-Type", `application/x-${service}-result`);
    res.setHeader("Cache-Control", "no-cache");
    const git = spawn("git", [service.slice(4), "--stateless-rpc", path], {
      env: {
        ...process.env,
        OURO_NODE: process.execPath,
        OURO_TSX: TSX,
        OURO_HOOK_SCRIPT: HOOK_SCRIPT,
        OURO_API_URL: `http://127.0.0.1:${ctx.config.apiPort}`,
        OURO_APP: app.name,
        OURO_USER_ID: req.user!.id,
        OURO_HOOK_TOKEN: scopedToken(ctx.config.secrets.tokenSecret, `hook:${app.name}`),
      },
    });
    const body = req.headers["content-encoding"] === "gzip" ? req.pipe(createGunzip()) : req;
    body.pipe(git.stdin);
    git.stdout.pipe(res);
    git.stderr.on("data", (chunk: Buffer) => process.stderr.write(`git ${app.name}: ${chunk}`));
    res.on("close", () => git.kill());
  }

  router.post("/:app.git/git-receive-pack", (req, res) => rpc(req, res, "git-receive-pack"));
  router.post("/:app.git/git-upload-pack", (req, res) => rpc(req, res, "git-upload-pack"));
  return router;
}

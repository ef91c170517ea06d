// The kernel's client of the add-on provider apps (docs/addons.md): it asks a provider's web
// dynos directly, at the addresses the dyno manager publishes for the router (ROUTES_KEY): the
// public router never serves a provider (route-contract.ts, INTERNAL_APPS_KEY).
import http from "node:http";
import type { Redis } from "ioredis";
import { z } from "zod";
import { type Db, getApp } from "../db/index.ts";
import { ROUTES_KEY } from "../lib/channels.ts";
import { parseRouteEntries } from "../router/index.ts";
import { OuroError } from "../lib/errors.ts";
import { ADDON_SERVICES } from "./services.ts";

export interface ProviderContext {
  db: Db;
  redis: Redis;
  /** Prefixes ROUTES_KEY, as the dyno manager's and the router's namespace does (tests). */
  routeNamespace?: string;
}

const PROVIDER_TIMEOUT_MS = 30_000;
const ProvisionAnswer = z.object({ config: z.record(z.string(), z.string()) });

export async function provision(ctx: ProviderContext, service: string, body: { addon_id: string; app: string }): Promise<Record<string, string>> {
  const answer = await callProvider(ctx, service, "POST", "/provision", body);
  const parsed = ProvisionAnswer.safeParse(answer.body);
  const declared = ADDON_SERVICES[service]!.configVars;
  if (answer.status !== 200 || !parsed.success || !Object.keys(parsed.data.config).every((key) => declared.includes(key))) {
    // A provider that made something but answered wrongly gets the chance to remove it.
    if (answer.status === 200) await deprovision(ctx, service, body.addon_id).catch(() => {});
    throw providerError(service, answer, `an answer with config vars ${declared.join(", ")}`);
  }
  return parsed.data.config;
}

export async function deprovision(ctx: ProviderContext, service: string, addonId: string): Promise<void> {
  const answer = await callProvider(ctx, service, "DELETE", `/provision/${addonId}`);
  if (answer.status !== 204) throw providerError(service, answer, "204");
}

interface ProviderAnswer {
  status: number;
  body: unknown;
}

const CONNECT_TIMEOUT_MS = 3_000;
/** A dyno that never took the connection (stopped, or gone with its network): the next may. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ECONNECT_TIMEOUT"]);

/** The provider's up web dynos as `{ host, port }`, starting at a random one to spread the calls. */
async function providerDynos(ctx: ProviderContext, provider: string): Promise<{ host: string; port: number }[]> {
  const json = await ctx.redis.hget(`${ctx.routeNamespace ?? ""}${ROUTES_KEY}`, provider);
  // The router owns the entries' shape (`{address, dyno}` or an older bare "ip:port").
  const dynos = parseRouteEntries(json ?? "[]").map(({ host, port }) => ({ host, port }));
  const start = Math.floor(Math.random() * dynos.length);
  return [...dynos.slice(start), ...dynos.slice(0, start)];
}

/** One request to one dyno; a connection it never accepted fails with `code` in NOT_CONNECTED. */
function request(to: { host: string; port: number }, opts: { method: string; path: string; secret: string; payload?: string }) {
  return new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: to.host,
        port: to.port,
        method: opts.method,
        path: opts.path,
        agent: false,
        timeout: PROVIDER_TIMEOUT_MS,
        headers: {
          Authorization: `Bearer ${opts.secret}`,
          ...(opts.payload === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(opts.payload) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", text }));
        res.on("error", reject);
      },
    );
    req.on("socket", (socket) => {
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: "ECONNECT_TIMEOUT" })), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${PROVIDER_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(opts.payload);
  });
}

/** One request to the provider app's web dynos: the next dyno when one refuses the connection. */
async function callProvider(ctx: ProviderContext, service: string, method: string, path: string, body?: unknown): Promise<ProviderAnswer> {
  const provider = ADDON_SERVICES[service]!.app;
  const secret = await getApp(ctx.db, provider).then(
    (app) => app.config.OURO_PROVIDER_SECRET,
    (error: unknown) => {
      if (error instanceof OuroError && error.status === 404) return undefined;
      throw error;
    },
  );
  if (!secret) throw unavailable(service, `the provider app ${provider} is not deployed (or has no OURO_PROVIDER_SECRET config var)`);
  const dynos = await providerDynos(ctx, provider);
  if (dynos.length === 0) throw unavailable(service, `no web dyno of ${provider} is up (ouro ps -a ${provider})`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let answer: { status: number; type: string; text: string } | undefined;
  let refused = "";
  for (const dyno of dynos) {
    const at = `${dyno.host}:${dyno.port}`;
    try {
      answer = await request(dyno, { method, path, secret, payload });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code || !NOT_CONNECTED.has(code)) throw unavailable(service, `its web dyno at ${at} did not answer: ${(error as Error).message}`);
      refused = `${at}: ${(error as Error).message}`;
    }
  }
  if (!answer) throw unavailable(service, `no web dyno of ${provider} took the connection (${refused}); is it up? (ouro ps -a ${provider})`);
  if (answer.status === 204) return { status: 204, body: null };
  if (!answer.type.startsWith("application/json")) throw unavailable(service, `its web dyno answered ${answer.status} without JSON`);
  try {
    return { status: answer.status, body: JSON.parse(answer.text || "null") };
  } catch {
    return { status: answer.status, body: answer.text };
  }
}

const unavailable = (service: string, why: string) =>
  new OuroError(503, "provider_unavailable", `The ${service} add-on provider is unavailable: ${why}.`);

function providerError(service: string, answer: ProviderAnswer, expected: string): OuroError {
  const message = (answer.body as { message?: unknown } | null)?.message;
  const said = typeof message === "string" ? `: ${message}` : "";
  return new OuroError(502, "provider_error", `The ${service} add-on provider answered ${answer.status} instead of ${expected}${said}`);
}

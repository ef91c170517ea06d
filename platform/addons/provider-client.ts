// The kernel's client of the add-on provider apps (docs/addons.md): it asks a provider's
// web dynos, through the router like any client, to make or remove a resource.
import http from "node:http";
import { z } from "zod";
import { type Db, getApp } from "../db/index.ts";
import type { Config } from "../lib/config.ts";
import { OuroError } from "../lib/errors.ts";
import { ADDON_SERVICES } from "./services.ts";

export interface ProviderContext {
  db: Db;
  config: Pick<Config, "routerPort" | "domain">;
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

/** One request to the provider app's web dynos, through the router like any client. */
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
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const answer = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: ctx.config.routerPort,
        method,
        path,
        agent: false,
        timeout: PROVIDER_TIMEOUT_MS,
        headers: {
          Host: `${provider}.${ctx.config.domain}`,
          Authorization: `Bearer ${secret}`,
          ...(payload === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }),
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
    req.on("timeout", () => req.destroy(new Error(`no answer within ${PROVIDER_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(payload);
  }).catch((error: Error) => {
    throw unavailable(service, `the router did not reach it: ${error.message}`);
  });
  // Only the provider answers JSON; the router's own pages (no such app, no web dyno up) are HTML.
  if (answer.status === 204) return { status: 204, body: null };
  if (!answer.type.startsWith("application/json")) {
    throw unavailable(service, `the router answered ${answer.status} for ${provider}: is its web dyno up? (ouro ps -a ${provider})`);
  }
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

// How the dashboard answers: its own HTML, never cached, and the API's text streams passed on.
import { pipeline } from "node:stream/promises";
import type { Request, Response } from "express";
import type { Api } from "./api.ts";
import type { Html } from "./html.ts";

/** HTML that is the user's own: never cached. A fragment says how often to ask again, or its key. */
export function send(res: Response, body: Html, fragment: { every?: number; key?: string } = {}) {
  res.setHeader("Cache-Control", "no-store");
  if (fragment.every !== undefined) res.setHeader("Ouro-Poll-Every", String(fragment.every));
  if (fragment.key !== undefined) res.setHeader("Ouro-Fragment-Key", fragment.key);
  res.type("html").send(body.text);
}

/** A stream of text from the API (a build's output, a log tail) passed on as it comes. */
export async function relay(req: Request, res: Response, api: Api, url: string) {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const stream = await api.stream(url, abort.signal);
  res.setHeader("Cache-Control", "no-store");
  res.type("text/plain; charset=utf-8");
  res.flushHeaders();
  await pipeline(stream, res).catch((error: Error) => {
    // The browser went away, or the API ended the stream: either way this request is over.
    if (!abort.signal.aborted) console.error(`dashboard: ${req.path}: stream ended: ${error.message}`);
  });
}

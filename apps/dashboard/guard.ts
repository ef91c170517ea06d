// What a request must show before the dashboard acts on it. Apps on Ouro are served from the same
// site as the dashboard (`<app>.<domain>` beside `dashboard.<domain>`), so SameSite cookies alone
// do not keep a hostile app's page from posting to the dashboard, or fetching from it, as its
// visitor: the browser's fetch metadata and Origin must say the request came from the dashboard.
import type { NextFunction, Request, Response } from "express";

/**
 * A change (any method but GET and HEAD) only from the dashboard's own pages: `Sec-Fetch-Site:
 * same-origin`, or without fetch metadata an Origin that is this very host. No Origin, `null`
 * (as a redirect leaves it) or another host is refused.
 */
export function sameOriginChange(req: Request): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined) return site === "same-origin";
  const origin = req.headers.origin;
  if (!origin || origin === "null") return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * A read from another site's page only as a top-level navigation (a link followed): never a
 * script's fetch or an image of another app's page, which would spend the visitor's API
 * allowance or open log tails in their name.
 */
export function allowedRead(req: Request): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site === undefined || site === "same-origin" || site === "none") return true;
  return req.headers["sec-fetch-mode"] === "navigate" && req.headers["sec-fetch-dest"] === "document";
}

/** Whether the browser loads this as a page (not a script's fetch): a page goes to sign-in, a fetch is told 401. */
export function isNavigation(req: Request): boolean {
  const mode = req.headers["sec-fetch-mode"];
  if (mode !== undefined) return mode === "navigate";
  return req.method === "GET" && (req.headers.accept ?? "").includes("text/html") && !req.path.includes("/fragments/");
}

export function guard(req: Request, res: Response, next: NextFunction): void {
  const read = req.method === "GET" || req.method === "HEAD";
  if (read ? allowedRead(req) : sameOriginChange(req)) return next();
  res.status(403).type("text/plain").send(read ? "The dashboard answers other sites' pages only when a link is followed.\n" : "This form did not come from the dashboard's own page.\n");
}

// The dashboard's web process: server-rendered pages over the Platform API, each call made with
// the signed-in user's own key (session.ts), so every page shows and every form does exactly
// what that user may. No state of its own: any web dyno serves any request.
import express, { type NextFunction, type Request, type Response } from "express";
import { type Api, ApiRefusal, createApi } from "./api.ts";
import { send } from "./respond.ts";
import { appRoutes } from "./app-routes.ts";
import { PUBLIC_DIR } from "./assets.ts";
import { guard, isNavigation } from "./guard.ts";
import type { Html } from "./html.ts";
import type { Account } from "./resources.ts";
import { FLASH_COOKIE, SESSION_COOKIE, SESSION_HOURS, type Session, cookie, cookies, seal, sealSession, unseal, unsealSession } from "./session.ts";
import * as views from "./views.ts";

export interface DashboardOptions {
  /** The Platform API as the dashboard reaches it. */
  apiUrl: string;
  /** Seals the cookies (OURO_DASHBOARD_SECRET). */
  secret: string;
}

export type Flash = { kind: "notice" | "error"; text: string };

/** What a route of a signed-in user's has at hand. */
export interface Signed {
  api: Api;
  session: Session;
  /** A page of theirs, with the flash message a redirect left. */
  render(req: Request, res: Response, title: string, body: Html): void;
  flash(req: Request, res: Response, flash: Flash): void;
}

/** An API key as a header may carry it: printable, no spaces. */
const KEY_SHAPE = /^[\x21-\x7e]{1,200}$/;

export function createDashboard(options: DashboardOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((_req, res, next) => {
    // Scripts and styles from the dashboard's own files only; no frame may hold it.
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Frame-Options", "DENY");
    next();
  });
  app.use("/assets", express.static(PUBLIC_DIR, { maxAge: "1d", index: false }));
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));
  app.use(guard);
  app.use(express.urlencoded({ extended: false, limit: "16kb" }));

  const secure = (req: Request) => req.headers["x-forwarded-proto"] === "https" || req.secure;

  app.get("/sign-in", (_req, res) => send(res, views.page({ title: "Sign in", body: views.signIn() })));

  app.post("/sign-in", async (req, res) => {
    const key = String(req.body?.key ?? "").trim();
    const refuse = (message: string) => send(res.status(401), views.page({ title: "Sign in", body: views.signIn(message) }));
    if (!KEY_SHAPE.test(key)) return refuse("That is not an API key: `npx ouro auth:token` prints yours.");
    let account: Account;
    try {
      account = await createApi(options.apiUrl, key).get<Account>("/account");
    } catch (error) {
      if (error instanceof ApiRefusal && error.status === 401) return refuse("Ouro does not know that key: check it, or make one with `npx ouro auth:token`.");
      throw error;
    }
    const session: Session = { key, email: account.email, admin: account.admin === true, scope: account.scope ?? [] };
    res.setHeader("Set-Cookie", cookie(SESSION_COOKIE, sealSession(options.secret, session), { secure: secure(req), maxAgeSeconds: SESSION_HOURS * 3600 }));
    res.redirect(303, "/");
  });

  app.post("/sign-out", (req, res) => signOut(req, res));

  // Everything below needs a signed-in user; who they are comes sealed with their key.
  app.use((req, res, next) => {
    const session = unsealSession(options.secret, cookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!session) return signOut(req, res);
    res.locals.session = session;
    next();
  });

  const signed = (res: Response): Signed => {
    const session = res.locals.session as Session;
    return {
      session,
      api: createApi(options.apiUrl, session.key),
      render: (req, res, title, body) => send(res, views.page({ title, account: session, flash: takeFlash(req, res), body })),
      flash: (req, res, flash) => {
        const sealed = seal(options.secret, FLASH_COOKIE, { ...flash, text: flash.text.slice(0, 500) }, 60_000);
        res.append("Set-Cookie", cookie(FLASH_COOKIE, sealed, { secure: secure(req), maxAgeSeconds: 60 }));
      },
    };
  };

  function takeFlash(req: Request, res: Response): Flash | undefined {
    const sealed = cookies(req.headers.cookie)[FLASH_COOKIE];
    if (!sealed) return undefined;
    res.append("Set-Cookie", cookie(FLASH_COOKIE, "", { secure: secure(req), maxAgeSeconds: 0 }));
    return unseal(options.secret, FLASH_COOKIE, sealed) as Flash | undefined;
  }

  app.use(appRoutes(signed));

  app.use((req: Request, res: Response) => {
    signed(res).render(req, res.status(404), "Not found", views.problem("Not found", "There is no such page."));
  });

  app.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    if (error instanceof ApiRefusal) {
      // The key was revoked or expired since it was sealed: signed out.
      if (error.status === 401) return signOut(req, res);
      const title = error.status === 404 ? "Not found" : error.status === 403 ? "Not allowed" : "Ouro refused";
      res.status(error.status >= 400 && error.status < 600 ? error.status : 502);
      if (!isNavigation(req)) return void res.type("text/plain").send(`${error.message}\n`);
      const body = views.problem(title, error.message);
      return res.locals.session ? signed(res).render(req, res, title, body) : send(res, views.page({ title, body }));
    }
    console.error(`dashboard: ${req.method} ${req.path}: ${error.stack ?? error.message}`);
    res.status(500);
    send(res, views.page({ title: "Error", body: views.problem("Something went wrong", "The dashboard hit an error; its log (npx ouro logs -a dashboard) has the details.") }));
  });

  /** The cookie cleared; a page goes to the sign-in form, a script's request is told 401. */
  function signOut(req: Request, res: Response) {
    res.append("Set-Cookie", cookie(SESSION_COOKIE, "", { secure: secure(req), maxAgeSeconds: 0 }));
    if (isNavigation(req) || req.path === "/sign-out") return res.redirect(303, "/sign-in");
    res.status(401).type("text/plain").send("Signed out: sign in again.\n");
  }

  return app;
}

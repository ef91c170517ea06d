// The dashboard (apps/dashboard, a system app) in a real browser: Debian's Chromium, headless,
// driven by playwright-core, at http://dashboard.localhost:8080/ through the router as a user
// opens it. Sign in with a key, the apps list and its badges, an app's model converging while a
// scale runs (no reload), a push's build output streaming, config values hidden until asked, a
// rollback, a second user who sees none of it, and signing out.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiKey, checkout, git, ouro, removeDir, routerPort, uniqueName, viaRouter } from "../support/platform.ts";

const CHROMIUM = "/usr/bin/chromium";
const DASHBOARD = `http://dashboard.localhost:${routerPort}`;
// As the machine's own probe runs it: root needs --no-sandbox; the rest keeps Chromium from
// calling out (this machine reaches no host but its registries).
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Where screenshots of the main pages go when OURO_SCREENSHOTS names a folder (docs/ uses them). */
const SCREENSHOTS = process.env.OURO_SCREENSHOTS;

const app = uniqueName("dash");
let dir = "";
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

interface Release {
  version: number;
  current: boolean;
  description: string;
}

/** A git push of the checkout, left running: the test watches the page while it goes. */
function pushing(cwd: string, args: string[]) {
  const child = spawn("git", ["-C", cwd, "-c", "user.name=Test", "-c", "user.email=test@ouro.local", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("close", (code) => resolve({ code, output })));
  return { done, ended: () => child.exitCode !== null };
}

async function signIn(p: Page, key: string) {
  await p.goto(`${DASHBOARD}/`);
  await expect.poll(() => new URL(p.url()).pathname).toBe("/sign-in");
  // By keyboard alone: the key field takes the focus by itself, Enter submits.
  await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe("key");
  await p.keyboard.type(key);
  await p.keyboard.press("Enter");
  await p.waitForURL(`${DASHBOARD}/`);
}

/** Does `act`, accepting the confirmation it asks for; what the confirmation said. */
async function confirming(p: Page, act: () => Promise<void>): Promise<string> {
  const asked = new Promise<string>((resolve, reject) => p.once("dialog", (dialog) => dialog.accept().then(() => resolve(dialog.message()), reject)));
  await act();
  return asked;
}

async function shot(p: Page, name: string) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page is no wider than its window: nothing to scroll sideways at a phone's width. */
const fitsWidth = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm run bootstrap installs Debian's chromium package`).toBe(true);
  expect(ouro(["apps:create", app]).code).toBe(0);
  dir = checkout("hello-express", app);
  // The web process takes 3 s to accept connections, long enough to watch a scale converge; a
  // build takes 6 s more than it would, longer than the page waits between asks at rest (3 s).
  writeFileSync(join(dir, "Procfile"), "web: sleep 3 && node server.js\n");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, scripts: { ...pkg.scripts, build: "echo building for 6 s && sleep 6" } }, null, 2));
  git(dir, "commit", "-qam", "a web process that boots in 3 s, a build that takes 6 s more");
  const push = git(dir, "push", "ouro", "main");
  expect(push.code, push.output).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // A script error, or a rule of the Content-Security-Policy broken. (A page answered 401 or 404
  // on purpose is logged as a failed load: not an error of the page's.)
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageErrors.push(message.text());
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  ouro(["apps:destroy", "-a", app, "--confirm", app]);
  if (dir) removeDir(dir);
});

describe("the dashboard in a browser", () => {
  it("asks for an API key, refuses a wrong one, and signs in with the user's own", async () => {
    await page.goto(`${DASHBOARD}/`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await page.fill("#key", "not-a-key");
    await page.press("#key", "Enter");
    await expect.poll(() => page.textContent("[role=alert]")).toContain("Ouro does not know that key");

    await signIn(page, apiKey());
    const cookie = (await context.cookies()).find((c) => c.name === "ouro_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    // The key itself is nowhere in the page or its URL.
    expect(await page.content()).not.toContain(apiKey());
    expect(page.url()).not.toContain(apiKey());
  });

  it("lists the user's apps, each with its release, its dynos up and a green badge once live equals desired", async () => {
    const row = page.locator(`tr[data-app="${app}"]`);
    await expect.poll(() => row.locator(".badge").getAttribute("data-state"), { timeout: 30_000 }).toBe("converged");
    expect(await row.textContent()).toMatch(/v\d+/);
    expect(await row.locator(".dynos").textContent()).toBe("1/1");
    await shot(page, "dashboard-apps");
  });

  it("scales web from 1 to 3 on the app's page: the delta and the plan show, and the page turns green without a reload", async () => {
    await page.goto(`${DASHBOARD}/apps/${app}`);
    await expect.poll(() => page.locator("#model .badge").getAttribute("data-state"), { timeout: 30_000 }).toBe("converged");
    // What the model showed at each change, and a mark a reload would lose.
    await page.evaluate(() => {
      const seen: string[] = [];
      Object.assign(window, { seen, notReloaded: true });
      const model = document.getElementById("model")!;
      new MutationObserver(() => seen.push(model.innerText)).observe(model, { childList: true, subtree: true, characterData: true });
    });
    await page.fill("#scale-web", "3");
    expect(await confirming(page, () => page.click("text=Scale web"))).toContain("Scale web to 3");
    await expect.poll(() => page.textContent("#flash")).toContain("Scaling web to 3");
    // Mid-way (the new dynos take 3 s to accept connections): amber, two dynos to start in the
    // delta, and the plan's phase that starts them.
    const midway = async () => {
      const delta = (await page.textContent("#model .delta")) ?? "";
      const plan = (await page.textContent("#model .plan")) ?? "";
      const state = await page.locator("#model .badge").getAttribute("data-state");
      return state === "converging" && /start web\.2/.test(delta) && /start web\.3/.test(delta) && /start web\.2 v\d+, start web\.3 v\d+/.test(plan);
    };
    await expect.poll(midway, { timeout: 30_000 }).toBe(true);
    await shot(page, "dashboard-app-converging");
    const converged = async () => (await page.locator("#model .badge").getAttribute("data-state")) === "converged" && ((await page.textContent("#model")) ?? "").includes("3/3 up");
    await expect.poll(converged, { timeout: 60_000 }).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // The region changed in place from converging to converged.
    expect(seen.some((text) => text.includes("Converging"))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(((await api<{ type: string; quantity: number }[]>("GET", `/apps/${app}/formation`)).body.find((f) => f.type === "web"))?.quantity).toBe(3);
    await shot(page, "dashboard-app");
  }, 90_000);

  it("streams a push's build output on the app's page while the push runs", async () => {
    await page.goto(`${DASHBOARD}/apps/${app}`);
    const before = await page.getAttribute("#build", "data-key");
    writeFileSync(join(dir, "public-change.txt"), `${Date.now()}\n`);
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "a change pushed from a terminal");
    const push = pushing(dir, ["push", "ouro", "main"]);
    // The new build appears, running, and its output reaches the page while it runs.
    const streamed = async () => {
      const key = await page.getAttribute("#build", "data-key");
      const text = (await page.textContent("#build pre.output")) ?? "";
      return key !== before && key?.endsWith(":pending") === true && text.includes("building for 6 s");
    };
    await expect.poll(streamed, { timeout: 60_000 }).toBe(true);
    expect(push.ended()).toBe(false);
    const pushed = await push.done;
    expect(pushed.code, pushed.output).toBe(0);
    await expect.poll(() => page.textContent("#build .build-status"), { timeout: 30_000 }).toBe("succeeded");
    await expect.poll(() => page.textContent("#build pre.output"), { timeout: 30_000 }).toContain("Released v");
  }, 120_000);

  it("tails the app's log live, filtered by source", async () => {
    await page.goto(`${DASHBOARD}/apps/${app}/logs`);
    await page.selectOption("#source", "router");
    await page.click("text=Tail");
    await page.waitForURL(/source=router/);
    const path = `/dashboard-tail-${Date.now()}`;
    // A line the router writes after the tail opened reaches the page; the app's own lines do not.
    await expect
      .poll(async () => {
        await viaRouter(app, path);
        return page.textContent("main pre.output");
      }, { timeout: 30_000 })
      .toContain(`path="${path}"`);
    expect(await page.textContent("main pre.output")).not.toMatch(/ app\[web\.\d+\]:/);
  }, 60_000);

  it("hides config values until one is asked for", async () => {
    expect((await api("PATCH", `/apps/${app}/config-vars`, { SECRET_TOKEN: "s3cr3t-value-42" })).status).toBe(200);
    await page.goto(`${DASHBOARD}/apps/${app}/config`);
    expect(await page.textContent("dl.config")).toContain("SECRET_TOKEN");
    expect(await page.content()).not.toContain("s3cr3t-value-42");
    await page.click("text=Reveal SECRET_TOKEN");
    await expect.poll(() => page.textContent("dl.config")).toContain("s3cr3t-value-42");
    expect(page.url()).not.toContain("s3cr3t");
  }, 60_000);

  it("rolls back to a chosen release, after asking", async () => {
    const before = (await api<Release[]>("GET", `/apps/${app}/releases`)).body;
    const target = before.filter((r) => !r.current && r.description.startsWith("Deploy")).sort((a, b) => a.version - b.version)[0]!;
    await page.goto(`${DASHBOARD}/apps/${app}/releases`);
    const button = page.getByRole("button", { name: `Roll back to v${target.version}`, exact: true });
    expect(await confirming(page, () => button.click())).toContain(`back to v${target.version}?`);
    await expect.poll(() => page.textContent("#flash")).toContain(`Rolled back to v${target.version}`);
    // The list shows the new release without a reload.
    await expect.poll(() => page.textContent("#releases"), { timeout: 30_000 }).toContain(`Rollback to v${target.version}`);
    const after = (await api<Release[]>("GET", `/apps/${app}/releases`)).body;
    expect(after.find((r) => r.description === `Rollback to v${target.version}`)).toBeDefined();
  }, 60_000);

  it("a second user sees only their own apps, and none of the first user's pages", async () => {
    const made = await api<{ api_key: string }>("POST", "/users", { email: `${uniqueName("dash-user")}@example.test` });
    expect(made.status).toBe(201);
    const other = await browser.newContext();
    const theirs = await other.newPage();
    const own = uniqueName("dash-own");
    try {
      expect((await api("POST", "/apps", { name: own }, made.body.api_key)).status).toBe(201);
      await signIn(theirs, made.body.api_key);
      expect(await theirs.locator(`tr[data-app="${own}"]`).count()).toBe(1);
      expect(await theirs.textContent("main")).not.toContain(app);
      expect(await theirs.locator("a[href='/platform']").count()).toBe(0);
      const response = await theirs.goto(`${DASHBOARD}/apps/${app}`);
      expect(response?.status()).toBe(404);
      expect(await theirs.textContent("main")).not.toContain("SECRET_TOKEN");
      expect((await theirs.goto(`${DASHBOARD}/platform`))?.status()).toBe(403);
    } finally {
      await other.close();
      await api("DELETE", `/apps/${own}`);
    }
  }, 60_000);

  it("works without its script: an action asks on a page of its own, then says what Ouro did", async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const bare = await plain.newPage();
    try {
      await signIn(bare, apiKey());
      await bare.goto(`${DASHBOARD}/apps/${app}`);
      await bare.fill("#scale-web", "1");
      await bare.click("text=Scale web");
      expect(await bare.textContent("main")).toContain(`Scale web of ${app} to 1?`);
      await bare.click("text=Yes, go ahead");
      await bare.waitForURL(`${DASHBOARD}/apps/${app}`);
      expect(await bare.textContent("#flash")).toContain("Scaling web to 1");
      expect(((await api<{ type: string; quantity: number }[]>("GET", `/apps/${app}/formation`)).body.find((f) => f.type === "web"))?.quantity).toBe(1);
    } finally {
      await plain.close();
    }
  }, 60_000);

  it("offers a read-only key no action: no scale, restart or rollback", async () => {
    const made = await api<{ access_token: { token: string } }>("POST", "/oauth/authorizations", { scope: ["read"], description: "dashboard test, read only" });
    expect(made.status).toBe(201);
    const reader = await browser.newContext();
    const theirs = await reader.newPage();
    try {
      await signIn(theirs, made.body.access_token.token);
      await theirs.goto(`${DASHBOARD}/apps/${app}`);
      expect(await theirs.textContent("main")).toContain("This key is read-only");
      expect(await theirs.locator("form[action$='/formation'], form[action$='/restart']").count()).toBe(0);
      await theirs.goto(`${DASHBOARD}/apps/${app}/releases`);
      expect(await theirs.locator("form[action$='/rollback']").count()).toBe(0);
    } finally {
      await reader.close();
    }
  }, 60_000);

  it("shows the platform to an admin: system apps, hosts, dynos and the builder queue", async () => {
    await page.goto(`${DASHBOARD}/platform`);
    const text = (await page.textContent("main")) ?? "";
    for (const name of ["builder", "cron", "dashboard"]) expect(text).toContain(name);
    expect(text).toMatch(/cores/);
    expect(text).toMatch(/GB of/);
    await shot(page, "dashboard-platform");
  });

  it("fits a phone's width, with the same pages", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    try {
      await signIn(small, apiKey());
      expect(await fitsWidth(small)).toBe(true);
      await small.goto(`${DASHBOARD}/apps/${app}`);
      await expect.poll(() => small.locator("#model .badge").getAttribute("data-state"), { timeout: 30_000 }).toBe("converged");
      expect(await fitsWidth(small)).toBe(true);
      await shot(small, "dashboard-app-phone");
    } finally {
      await phone.close();
    }
  }, 60_000);

  it("signs out: the cookie is gone and the pages ask for a key again", async () => {
    await page.goto(`${DASHBOARD}/`);
    await page.click("text=Sign out");
    await page.waitForURL(`${DASHBOARD}/sign-in`);
    expect((await context.cookies()).find((c) => c.name === "ouro_session")).toBeUndefined();
    await page.goto(`${DASHBOARD}/apps/${app}`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    // No page broke a rule of the Content-Security-Policy or threw.
    expect(pageErrors).toEqual([]);
  });
});

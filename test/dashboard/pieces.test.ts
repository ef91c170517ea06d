// The dashboard's pure pieces: HTML escaping, sealed cookies, and which requests it acts on.
import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { allowedRead, sameOriginChange } from "../../apps/dashboard/guard.ts";
import { html } from "../../apps/dashboard/html.ts";
import { cookies, seal, sealSession, unseal, unsealSession } from "../../apps/dashboard/session.ts";

describe("html", () => {
  it.each([
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ['" onmouseover="x', "&quot; onmouseover=&quot;x"],
    ["it's & <b>", "it&#39;s &amp; &lt;b&gt;"],
  ])("escapes %s", (value, escaped) => {
    expect(html`<p title="${value}">${value}</p>`.text).toBe(`<p title="${escaped}">${escaped}</p>`);
  });

  it("keeps nested templates and arrays of them as markup, and leaves out null, undefined and false", () => {
    const items = ["a<", "b"].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe("<ul><li>a&lt;</li><li>b</li></ul>0");
  });
});

describe("sealed cookies", () => {
  const session = { key: "k-123", email: "a@example.test", admin: false, scope: ["global"] };

  it("opens what it sealed, for the same purpose, until it expires", () => {
    const sealed = sealSession("secret", session, 1_000);
    expect(unsealSession("secret", sealed, 2_000)).toEqual(session);
    expect(unsealSession("secret", sealed, 1_000 + 12 * 3_600_000 + 1)).toBeUndefined();
    expect(unseal("secret", "ouro_flash", sealed, 2_000)).toBeUndefined();
  });

  it("refuses one sealed under another secret, altered, cut short or made up", () => {
    const sealed = sealSession("secret", session);
    expect(unsealSession("other", sealed)).toBeUndefined();
    const raw = Buffer.from(sealed, "base64url");
    raw[raw.length - 1]! ^= 1;
    expect(unsealSession("secret", raw.toString("base64url"))).toBeUndefined();
    expect(unsealSession("secret", sealed.slice(0, 20))).toBeUndefined();
    expect(unsealSession("secret", "not-a-cookie")).toBeUndefined();
    expect(unsealSession("secret", seal("secret", "ouro_session", { key: 1 }, 60_000))).toBeUndefined();
  });

  it("keeps the first of two cookies of one name (the dashboard's own, before a domain-wide one an app set)", () => {
    expect(cookies("ouro_session=mine; other=1; ouro_session=planted")).toEqual({ ouro_session: "mine", other: "1" });
    expect(cookies("bad=%E0%A4%A; good=x")).toEqual({ good: "x" });
  });
});

describe("which requests the dashboard acts on", () => {
  const req = (headers: Record<string, string>, method = "POST") => ({ method, headers: { host: "dashboard.localhost:8080", ...headers }, path: "/" }) as unknown as Request;

  it("takes a change only from its own pages", () => {
    expect(sameOriginChange(req({ "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(sameOriginChange(req({ origin: "http://dashboard.localhost:8080" }))).toBe(true);
    // Another app of the same site, a redirect's null origin, none at all, or garbage.
    expect(sameOriginChange(req({ "sec-fetch-site": "same-site", origin: "http://evil.localhost:8080" }))).toBe(false);
    expect(sameOriginChange(req({ origin: "http://evil.localhost:8080" }))).toBe(false);
    expect(sameOriginChange(req({ origin: "null" }))).toBe(false);
    expect(sameOriginChange(req({}))).toBe(false);
    expect(sameOriginChange(req({ origin: "::" }))).toBe(false);
  });

  it("answers another site's page only when a link is followed", () => {
    expect(allowedRead(req({}, "GET"))).toBe(true);
    expect(allowedRead(req({ "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" }, "GET"))).toBe(true);
    expect(allowedRead(req({ "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" }, "GET"))).toBe(true);
    expect(allowedRead(req({ "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" }, "GET"))).toBe(false);
    expect(allowedRead(req({ "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" }, "GET"))).toBe(false);
  });
});

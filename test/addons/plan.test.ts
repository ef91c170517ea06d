// The pure parts of add-ons: plan names, attachment names, ids and ACL rules.
import { describe, expect, it } from "vitest";
import { addonShortId, parseProvisionRequest } from "../../apps/postgres/index.ts";
import { addonAclRules } from "../../apps/redis/index.ts";
import { attachmentName, attachmentVars, parsePlan } from "../../platform/addons/index.ts";

describe("parsePlan", () => {
  it.each([
    ["postgres", "postgres", "postgres:standard"],
    ["heroku-postgresql", "postgres", "postgres:standard"],
    ["heroku-postgresql:essential-0", "postgres", "postgres:essential-0"],
    ["postgres:standard", "postgres", "postgres:standard"],
    ["redis", "redis", "redis:standard"],
    ["Heroku-Redis:mini", "redis", "redis:mini"],
  ])("%s → %s (%s)", (input, service, plan) => {
    expect(parsePlan(input)).toEqual({ service, plan });
  });

  it.each(["mysql", "", "postgres:", "postgres:Big Plan", ":standard"])("refuses %j, listing the services", (input) => {
    expect(() => parsePlan(input)).toThrow(/Add-on services: postgres \| heroku-postgresql \| postgresql; redis \| heroku-redis/);
  });
});

describe("attachmentVars", () => {
  it("keeps the provider's names on an app without them", () => {
    expect(attachmentVars({ OTHER: "x" }, "postgres-keen-12345", { DATABASE_URL: "u" })).toEqual({ DATABASE_URL: "u" });
  });

  it("prefixes every name with the add-on's when one is taken", () => {
    expect(attachmentVars({ REDIS_URL: "old" }, "redis-tidy-54321", { REDIS_URL: "u", REDIS_KEY_PREFIX: "p" })).toEqual({
      REDIS_TIDY_54321_REDIS_URL: "u",
      REDIS_TIDY_54321_REDIS_KEY_PREFIX: "p",
    });
  });

  it("names the attachment after the first var", () => {
    expect(attachmentName(["DATABASE_URL"])).toBe("DATABASE");
    expect(attachmentName(["REDIS_URL", "REDIS_KEY_PREFIX"])).toBe("REDIS");
    expect(attachmentName(["POSTGRES_KEEN_1_DATABASE_URL"])).toBe("POSTGRES_KEEN_1_DATABASE");
  });
});

describe("provider contract", () => {
  it("derives a 12-digit short id from a uuid and refuses anything else", () => {
    expect(addonShortId("0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f")).toBe("0f1e2d3c4b5a");
    expect(() => addonShortId("x'; DROP ROLE ouro; --")).toThrow(/uuid/);
    expect(() => addonShortId("0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F")).toThrow(/uuid/);
  });

  it("parses a provision request", () => {
    expect(parseProvisionRequest({ addon_id: "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f", app: "shop" })).toEqual({
      addonId: "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
      app: "shop",
    });
    expect(() => parseProvisionRequest({ app: "shop" })).toThrow(/addon_id/);
    expect(() => parseProvisionRequest({ addon_id: "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f" })).toThrow(/app/);
  });

  it("confines a redis add-on user to its prefix, without admin or keyspace-wide commands", () => {
    expect(addonAclRules("addon:abc:", "pw")).toEqual([
      "reset", "on", ">pw", "~addon:abc:*", "&addon:abc:*", "+@all", "-@admin", "-@dangerous", "+info", "-scan", "-randomkey",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { freeSubnet } from "../../platform/dynos/app-networks.ts";
import { commonPorts, extraPorts } from "../../platform/dynos/app-paths.ts";

const ports = { api: 5000, router: 8080, kernelRedis: 6390, addons: { postgres: 5440, redis: 6391 } };
const app = (name: string, opts: { system?: boolean; addons?: string[] } = {}) => ({ name, system: opts.system ?? false, addonServices: opts.addons ?? [] });

describe("the host ports an app's dynos may open", () => {
  it.each([
    ["a tenant app: none beyond the API and the router", app("shop"), []],
    ["a tenant app with a postgres add-on: the add-on cluster", app("shop", { addons: ["postgres"] }), [5440]],
    ["a tenant app with both add-ons: both datastores", app("shop", { addons: ["redis", "postgres"] }), [5440, 6391]],
    ["the builder: its queue on the kernel's Redis", app("builder", { system: true }), [6390]],
    ["cron: its queue on the kernel's Redis", app("cron", { system: true }), [6390]],
    ["the postgres provider: its own cluster only", app("postgres", { system: true }), [5440]],
    ["the redis provider: its own server only", app("redis", { system: true }), [6391]],
    ["a tenant app named like a system app: nothing", app("builder"), []],
    ["a tenant app named like a provider: nothing", app("postgres"), []],
    ["an add-on service with no datastore port: nothing", app("shop", { addons: ["memcache"] }), []],
  ])("%s", (_, facts, expected) => {
    expect(extraPorts(facts, ports)).toEqual(expected);
  });

  it("every dyno may open the API and the router, and nothing else of the kernel", () => {
    expect(commonPorts(ports)).toEqual([5000, 8080]);
  });
});

describe("an app network's subnet", () => {
  it("is the first /24 of the pool not taken", () => {
    expect(freeSubnet("10.211.0.0/16", new Set())).toBe("10.211.0.0/24");
    expect(freeSubnet("10.211.0.0/16", new Set(["10.211.0.0/24", "10.211.2.0/24"]))).toBe("10.211.1.0/24");
  });

  it("is taken from the pool's own range, whatever host bits the pool was written with", () => {
    expect(freeSubnet("10.211.7.9/16", new Set())).toBe("10.211.0.0/24");
    expect(freeSubnet("192.168.128.0/23", new Set(["192.168.128.0/24"]))).toBe("192.168.129.0/24");
  });

  it("runs out when every /24 is taken", () => {
    expect(freeSubnet("10.9.9.0/24", new Set(["10.9.9.0/24"]))).toBeUndefined();
  });

  it("refuses a pool that is not an IPv4 CIDR of /8 to /24", () => {
    expect(() => freeSubnet("10.0.0.0/25", new Set())).toThrow(/OURO_DYNO_NETWORK_POOL/);
    expect(() => freeSubnet("fd00::/64", new Set())).toThrow(/OURO_DYNO_NETWORK_POOL/);
  });
});

// An app's network on the real Docker engine: its subnet is the first free /24 of the pool, and a
// subnet Docker refuses (here a network Ouro did not make, which its list of app networks does not
// show; in CI, another process's at the same moment) is not tried again: the next one is.
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppNetworks } from "../../platform/dynos/app-networks.ts";
import { hostPorts } from "../../platform/dynos/app-paths.ts";
import { loadConfig } from "../../platform/lib/config.ts";
import { removeNamespace } from "../support/dynos.ts";
import { uniqueName } from "../support/platform.ts";

const namespace = uniqueName("test-appnet");
const POOL = "10.213.0.0/23";
const foreign = `${namespace}-foreign`;

describe("an app network", () => {
  let docker: Docker;
  beforeAll(async () => {
    docker = new Docker();
    await docker.ping().catch((error: Error) => {
      throw new Error(`this suite needs the Docker engine (npm run bootstrap): ${error.message}`);
    });
    await docker.createNetwork({ Name: foreign, Driver: "bridge", IPAM: { Driver: "default", Config: [{ Subnet: "10.213.0.0/24" }] } });
  });
  afterAll(async () => {
    if (!docker) return;
    await removeNamespace(docker, namespace);
    await docker.getNetwork(foreign).remove().catch(() => {});
  });

  it("takes the next subnet of the pool when Docker refuses the first free one", async () => {
    const log: string[] = [];
    const networks = createAppNetworks({
      docker,
      namespace,
      pool: POOL,
      ports: hostPorts(loadConfig()),
      facts: async () => ({ name: "netapp", system: false, addonServices: [] }),
      log: (line) => log.push(line),
    });
    const appId = randomUUID();
    const name = await networks.ensure({ appId, app: "netapp" });
    const subnets = ((await docker.getNetwork(name).inspect()).IPAM?.Config ?? []).map((c) => c.Subnet);
    expect(subnets).toEqual(["10.213.1.0/24"]);
    expect(log).toEqual([expect.stringMatching(/^creating ouro-app-.* on 10\.213\.0\.0\/24 failed \(.*overlaps.*\); trying again$/)]);
  });
});

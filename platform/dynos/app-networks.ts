// A network per app: each app's dynos sit on a bridge of their own, so Docker keeps them from
// every other app's dynos (the router, on the host, is the way in), and no two dynos of the
// app talk to each other either. Towards the host, a firewall chain lets a dyno open only the
// API's public port, the router and the ports its role needs (app-paths.ts); the outside
// world (package registries) stays reachable through Docker's masquerade.
//
//   INPUT -i od-+ → OURO-DYNOS: replies · OURO-DYNOS-APPS (-i od-<app> → OURO-A-<app>:
//   the app's own ports) · API · router · refuse the rest
//
// Each app's chain is written by the dyno manager that runs its dynos; the shared chains hold
// nothing app-specific, so two managers (tests run their own) never undo each other's rules.
import type Docker from "dockerode";
import type { Log } from "../lib/background.ts";
import { type AppFacts, type HostPorts, commonPorts, extraPorts } from "./app-paths.ts";
import { acceptPorts, dropChain, ensureChain, ensureJump, iptables, onlyPorts, readFilterTable, replaceChain } from "./firewall.ts";

const DYNOS_CHAIN = "OURO-DYNOS";
const APPS_CHAIN = "OURO-DYNOS-APPS";
const INTERFACES = ["-i", "od-+"];
const LINK_LOCAL = "169.254.0.0/16";

const short = (appId: string) => appId.replace(/-/g, "").slice(0, 12);
/** Interface names have at most 15 characters. */
export const appInterface = (appId: string) => `od-${short(appId)}`;
const appChain = (appId: string) => `OURO-A-${short(appId)}`;
export const appNetworkName = (appId: string) => `ouro-app-${appId}`;

export interface AppNetworkOptions {
  docker: Docker;
  /** A label value that keeps tests' networks apart from the platform's. */
  namespace: string;
  /** The address range app subnets (a /24 each) are taken from, e.g. 10.211.0.0/16. */
  pool: string;
  ports: HostPorts;
  /** The app's facts from the database; undefined once the app is deleted. */
  facts: (appId: string) => Promise<AppFacts | undefined>;
  log: Log;
}

export function createAppNetworks(opts: AppNetworkOptions) {
  const { docker } = opts;
  const networks = new Set<string>();
  /** The rules last written to each app's chain. */
  const applied = new Map<string, string>();
  let allocation: Promise<unknown> = Promise.resolve();
  let firewall: Promise<unknown> = Promise.resolve();

  /** Firewall changes one at a time: a check and its insert must not interleave with another's. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const done = firewall.then(work);
    firewall = done.catch(() => {});
    return done;
  }

  async function ensureShared(table: Map<string, string[]>) {
    if (!table.has(APPS_CHAIN)) await iptables(["-N", APPS_CHAIN]).catch(() => {});
    await ensureChain(DYNOS_CHAIN, onlyPorts(commonPorts(opts.ports), [`-j ${APPS_CHAIN}`]), table);
    await ensureJump("INPUT", INTERFACES, DYNOS_CHAIN);
    // A cloud host's metadata service (link-local) hands out the host's own credentials.
    if (table.has("DOCKER-USER")) await ensureJump("DOCKER-USER", [...INTERFACES, "-d", LINK_LOCAL], "REJECT");
  }

  async function ensureRules(appId: string) {
    const facts = await opts.facts(appId);
    if (!facts) throw new Error(`app ${appId} no longer exists: no network for it`);
    const rules = acceptPorts(extraPorts(facts, opts.ports));
    if (applied.get(appId) === rules.join("\n")) return;
    await exclusive(async () => {
      if (applied.size === 0) await ensureShared(await readFilterTable());
      await replaceChain(appChain(appId), rules);
      await ensureJump(APPS_CHAIN, ["-i", appInterface(appId)], appChain(appId));
      applied.set(appId, rules.join("\n"));
    });
  }

  async function ensureNetwork(appId: string, app: string): Promise<string> {
    const name = appNetworkName(appId);
    if (networks.has(name)) return name;
    // One allocation at a time in this process; another process's is caught by Docker's
    // refusal of an overlapping subnet, and tried again on another subnet: one Docker refused
    // stays refused while whatever holds it (another process's network, one being removed, one
    // Ouro did not make) is there, so trying it again only used up the attempts (CI run 60 saw
    // two tests' dynos fail to start so).
    const made = allocation.then(async () => {
      const refused = new Set<string>();
      for (let attempt = 1; ; attempt++) {
        const existing = await docker.listNetworks({ filters: { label: ["ouro.network=app"] } });
        if (existing.some((n) => n.Name === name)) return;
        const used = new Set(existing.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : []))));
        const subnet = freeSubnet(opts.pool, new Set([...used, ...refused]));
        if (!subnet) throw new Error(`no free /24 left in the app network pool ${opts.pool} (OURO_DYNO_NETWORK_POOL)`);
        const created = await docker
          .createNetwork({
            Name: name,
            Driver: "bridge",
            IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: subnet.replace(/0\/24$/, "1") }] },
            Options: { "com.docker.network.bridge.name": appInterface(appId), "com.docker.network.bridge.enable_icc": "false" },
            Labels: { "ouro.network": "app", "ouro.namespace": opts.namespace, "ouro.app.id": appId, "ouro.app": app },
          })
          .then(() => true, (error: Error) => {
            if (attempt >= 5) throw error;
            opts.log(`creating ${name} on ${subnet} failed (${error.message}); trying again`);
            refused.add(subnet);
            return false;
          });
        if (created) return;
      }
    });
    allocation = made.catch(() => {});
    await made;
    networks.add(name);
    return name;
  }

  return {
    /** The app's network, made when missing, with its firewall rules as its facts say now. */
    async ensure(dyno: { appId: string; app: string }): Promise<string> {
      const name = await ensureNetwork(dyno.appId, dyno.app);
      await ensureRules(dyno.appId);
      return name;
    },

    /** Puts back rules that vanished from the host (a flushed firewall); run on every tick. */
    async verify(): Promise<void> {
      if (applied.size === 0) return;
      const table = await readFilterTable();
      await exclusive(() => ensureShared(table));
      // A snapshot: a restored chain is set again in `applied`, which a live iteration would revisit.
      for (const [appId, rules] of [...applied]) {
        const jump = `-i ${appInterface(appId)} -j ${appChain(appId)}`;
        if ((table.get(appChain(appId)) ?? []).join("\n") !== rules || !table.get(APPS_CHAIN)?.includes(jump)) {
          applied.delete(appId);
          await ensureRules(appId).catch((error: Error) => opts.log(`restoring ${appChain(appId)}: ${error.message}`));
        }
      }
    },

    /** Removes the networks (and their rules) of deleted apps whose dynos are all gone. */
    async prune(exists: (appIds: string[]) => Promise<Set<string>>): Promise<void> {
      const mine = await docker.listNetworks({ filters: { label: ["ouro.network=app", `ouro.namespace=${opts.namespace}`] } });
      const ids = mine.map((n) => n.Labels?.["ouro.app.id"] ?? "").filter(Boolean);
      const alive = await exists(ids);
      for (const appId of ids.filter((id) => !alive.has(id))) {
        await removeAppNetwork(docker, appId);
        networks.delete(appNetworkName(appId));
        applied.delete(appId);
      }
    },
  };
}

export type AppNetworks = ReturnType<typeof createAppNetworks>;

/** An app's network and firewall chain, gone; kept while a container is still attached. */
export async function removeAppNetwork(docker: Docker, appId: string): Promise<void> {
  const network = docker.getNetwork(appNetworkName(appId));
  const info = await network.inspect().catch(() => undefined);
  if (info && Object.keys(info.Containers ?? {}).length > 0) return;
  if (info) await network.remove().catch(() => {});
  await dropChain(APPS_CHAIN, ["-i", appInterface(appId)], appChain(appId));
}

/** Every app network of a namespace, and its rules (tests clean up with it). */
export async function removeAppNetworks(docker: Docker, namespace: string): Promise<void> {
  const mine = await docker.listNetworks({ filters: { label: ["ouro.network=app", `ouro.namespace=${namespace}`] } });
  for (const n of mine) await removeAppNetwork(docker, n.Labels?.["ouro.app.id"] ?? "");
}

/** The first /24 of `pool` (a CIDR of /24 or wider) not in `used`. Pure. */
export function freeSubnet(pool: string, used: Set<string>): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(pool);
  const bits = Number(match?.[5]);
  if (!match || bits > 24 || bits < 8) throw new Error(`OURO_DYNO_NETWORK_POOL must be an IPv4 CIDR of /8 to /24, not ${pool}`);
  const address = match.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
  const base = (address & ~(2 ** (32 - bits) - 1)) >>> 0;
  for (let i = 0; i < 2 ** (24 - bits); i++) {
    const n = base + i * 256;
    const subnet = `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, 0].join(".")}/24`;
    if (!used.has(subnet)) return subnet;
  }
  return undefined;
}

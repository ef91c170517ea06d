// What a test's own dyno manager needs to start dynos the way the platform's does (each app
// on its own network, behind its firewall chain), and the clean-up of everything a namespace
// left in the Docker engine and the host firewall.
import type Docker from "dockerode";
import { appNetworkFacts, type Db } from "../../platform/db/index.ts";
import { createAppNetworks, removeAppNetworks } from "../../platform/dynos/app-networks.ts";
import { hostPorts } from "../../platform/dynos/app-paths.ts";
import { loadConfig } from "../../platform/lib/config.ts";

export function testAppNetworks(opts: { docker: Docker; db: () => Db; namespace: string; log?: (line: string) => void }) {
  const config = loadConfig();
  return createAppNetworks({
    docker: opts.docker,
    namespace: opts.namespace,
    pool: config.dynoNetworkPool,
    ports: hostPorts(config),
    facts: (appId) => appNetworkFacts(opts.db(), appId),
    log: opts.log ?? (() => {}),
  });
}

/** Removes the namespace's containers (with their volumes), then its app networks and their rules. */
export async function removeNamespace(docker: Docker, namespace: string): Promise<void> {
  const label = `ouro.namespace=${namespace}`;
  const left = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})));
  await removeAppNetworks(docker, namespace);
}

/** A bash command, run in a dyno, that prints `<target> open` or `<target> closed` for each `host:port`. */
export const probeScript = (targets: string[]) =>
  targets.map((t) => `(timeout 3 bash -c 'echo > /dev/tcp/${t.replace(":", "/")}' 2>/dev/null && echo "${t} open") || echo "${t} closed"`).join("; ");

/** Which targets a probe's output says were open. */
export const openTargets = (targets: string[], output: string) => Object.fromEntries(targets.map((t) => [t, output.includes(`${t} open`)]));

// Build dynos run user code first (npm scripts, buildpacks), so they get a network of their
// own: from it they reach the API's port on the host and the outside world (registries), and
// nothing else of the host — not the kernel's PostgreSQL or Redis, not the Docker socket's
// host — nor other dynos (Docker keeps bridges apart) nor each other (no inter-container
// traffic on this bridge). The host part is a firewall chain on the bridge's interface.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Docker from "dockerode";

export const BUILD_NETWORK = "ouro-builds";
const CHAIN = "OURO-BUILDS";
const run = promisify(execFile);

const iptables = (args: string[]) => run("iptables", ["-w", ...args]);
const succeeds = (args: string[]) => iptables(args).then(() => true, () => false);

/** The chain's rules, as `iptables -S` prints them. */
function chainRules(apiPort: number): string[] {
  return [
    `-N ${CHAIN}`,
    `-A ${CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${CHAIN} -p tcp -m tcp --dport ${apiPort} -j ACCEPT`,
    `-A ${CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    `-A ${CHAIN} -j REJECT --reject-with icmp-port-unreachable`,
  ];
}

/** Creates the network and its firewall when missing; safe to run at every start. */
export async function ensureBuildNetwork(docker: Docker, opts: { apiPort: number }): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [BUILD_NETWORK] } });
  if (!existing.some((n) => n.Name === BUILD_NETWORK)) {
    await docker
      .createNetwork({
        Name: BUILD_NETWORK,
        Driver: "bridge",
        Options: { "com.docker.network.bridge.name": BUILD_NETWORK, "com.docker.network.bridge.enable_icc": "false" },
        Labels: { "ouro.network": "builds" },
      })
      .catch(async (error: Error) => {
        // Another kernel process made it meanwhile.
        const again = await docker.listNetworks({ filters: { name: [BUILD_NETWORK] } });
        if (!again.some((n) => n.Name === BUILD_NETWORK)) throw error;
      });
  }
  const wanted = chainRules(opts.apiPort);
  const current = await iptables(["-S", CHAIN]).then((r) => r.stdout.trim().split("\n"), () => []);
  if (current.join("\n") !== wanted.join("\n")) {
    // One atomic replacement: the interface is never left with half its rules.
    const table = ["*filter", `:${CHAIN} - [0:0]`, ...wanted.slice(1), "COMMIT", ""].join("\n");
    await new Promise<void>((resolve, reject) => {
      const child = execFile("iptables-restore", ["-w", "--noflush"], (error) => (error ? reject(error) : resolve()));
      child.stdin?.end(table);
    });
  }
  if (!(await succeeds(["-C", "INPUT", "-i", BUILD_NETWORK, "-j", CHAIN]))) {
    await iptables(["-I", "INPUT", "1", "-i", BUILD_NETWORK, "-j", CHAIN]);
  }
}

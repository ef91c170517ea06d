// Build dynos run user code first (npm scripts, buildpacks), so they get a network of their
// own: from it they reach the API's port on the host and the outside world (registries), and
// nothing else of the host — not the kernel's PostgreSQL or Redis, not the Docker socket's
// host — nor other dynos (Docker keeps bridges apart) nor each other (no inter-container
// traffic on this bridge). The host part is a firewall chain on the bridge's interface.
import type Docker from "dockerode";
import { ensureChain, ensureJump, onlyPorts } from "./firewall.ts";

export const BUILD_NETWORK = "ouro-builds";
const CHAIN = "OURO-BUILDS";

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
  await ensureChain(CHAIN, onlyPorts([opts.apiPort]));
  await ensureJump("INPUT", ["-i", BUILD_NETWORK], CHAIN);
}

// Which of the host's ports an app's dynos may open. Every dyno reaches the API's public port
// and the router; beyond that, exactly what its role needs: the builder and cron their queues
// on the kernel's Redis, an add-on provider its own datastore, an app the datastores of the
// add-ons it has. Pure: the facts come from the database, the ports from the config.
import { ADDON_SERVICES } from "../addons/index.ts";
import { BUILDER_APP } from "../lib/build-contract.ts";
import type { Config } from "../lib/config.ts";

export interface AppFacts {
  name: string;
  system: boolean;
  /** The services of the add-ons attached to the app (`postgres`, `redis`). */
  addonServices: string[];
}

export interface HostPorts {
  api: number;
  router: number;
  kernelRedis: number;
  /** Each add-on service's datastore port. */
  addons: Record<string, number>;
}

/** The ports of a platform's config: the API, the router, the kernel's Redis, the add-on datastores. */
export function hostPorts(config: Pick<Config, "apiPort" | "routerPort" | "redisPort" | "addonsPostgresPort" | "addonsRedisPort">): HostPorts {
  return {
    api: config.apiPort,
    router: config.routerPort,
    kernelRedis: config.redisPort,
    addons: { postgres: config.addonsPostgresPort, redis: config.addonsRedisPort },
  };
}

/** System apps that take jobs from a queue on the kernel's Redis. */
const QUEUE_APPS = [BUILDER_APP, "cron"];

/** Ports every dyno may open on the host. */
export const commonPorts = (ports: HostPorts) => [ports.api, ports.router];

/** Ports this app's dynos may open beyond the common ones, sorted, each once. */
export function extraPorts(app: AppFacts, ports: HostPorts): number[] {
  const open = new Set<number>();
  if (app.system && QUEUE_APPS.includes(app.name)) open.add(ports.kernelRedis);
  for (const [service, spec] of Object.entries(ADDON_SERVICES)) {
    const port = ports.addons[service];
    if (port === undefined) continue;
    if ((app.system && spec.app === app.name) || app.addonServices.includes(service)) open.add(port);
  }
  return [...open].sort((a, b) => a - b);
}

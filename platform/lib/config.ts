// Everything the kernel reads from its environment, in one typed value. Only
// process entries (`main.ts`) call loadConfig; the rest receive the value.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

export interface Secrets {
  tokenSecret: string;
  postgresPassword: string;
  redisPassword: string;
  builderRedisPassword: string;
  cronRedisPassword: string;
  addonsPostgresPassword: string;
  addonsRedisPassword: string;
  /** The add-on Redis's `default` user: bootstrap's own login there, never handed to a dyno. */
  addonsRedisDefaultPassword: string;
  /** Shared by the kernel and the add-on provider apps (their OURO_PROVIDER_SECRET). */
  providerSecret: string;
  /** Seals the dashboard's session cookies (its OURO_DASHBOARD_SECRET). */
  dashboardSecret: string;
}

/** Every secret bootstrap generates; a key added later is generated on the next bootstrap. */
export const SECRET_NAMES: (keyof Secrets)[] = [
  "tokenSecret",
  "postgresPassword",
  "redisPassword",
  "builderRedisPassword",
  "cronRedisPassword",
  "addonsPostgresPassword",
  "addonsRedisPassword",
  "addonsRedisDefaultPassword",
  "providerSecret",
  "dashboardSecret",
];

export interface Config {
  repoRoot: string;
  dataDir: string;
  apiPort: number;
  routerPort: number;
  /** The router's HTTPS (certificates by SNI, a self-signed `*.<domain>` by default). */
  routerTlsPort: number;
  /** The dyno manager's rendezvous server (attached one-off dynos), on 127.0.0.1 only. */
  rendezvousPort: number;
  domain: string;
  /** Address dynos use to reach the host (the Docker bridge gateway). */
  bridgeHost: string;
  redisPort: number;
  postgresPort: number;
  /** The add-on datastores: a PostgreSQL cluster and a Redis server apart from the kernel's. */
  addonsPostgresPort: number;
  addonsRedisPort: number;
  /** The address range app networks take their subnets from (a /24 per app). */
  dynoNetworkPool: string;
  stackImage: string;
  npmRegistry: string;
  secrets: Secrets;
}

export function dataDirFrom(env: NodeJS.ProcessEnv): string {
  return env.OURO_DATA_DIR ?? join(repoRoot, ".ouro");
}

export function loadSecrets(dataDir: string): Secrets {
  const file = join(dataDir, "secrets.json");
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run bootstrap\` first`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as Secrets;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = dataDirFrom(env);
  return {
    repoRoot,
    dataDir,
    apiPort: Number(env.OURO_API_PORT ?? 5000),
    routerPort: Number(env.OURO_ROUTER_PORT ?? 8080),
    routerTlsPort: Number(env.OURO_ROUTER_TLS_PORT ?? 8443),
    rendezvousPort: Number(env.OURO_RENDEZVOUS_PORT ?? 5001),
    domain: env.OURO_DOMAIN ?? "localhost",
    bridgeHost: env.OURO_BRIDGE_HOST ?? "172.17.0.1",
    redisPort: Number(env.OURO_REDIS_PORT ?? 6390),
    postgresPort: Number(env.OURO_POSTGRES_PORT ?? 5439),
    addonsPostgresPort: Number(env.OURO_ADDONS_POSTGRES_PORT ?? 5440),
    addonsRedisPort: Number(env.OURO_ADDONS_REDIS_PORT ?? 6391),
    dynoNetworkPool: env.OURO_DYNO_NETWORK_POOL ?? "10.211.0.0/16",
    stackImage: env.OURO_STACK_IMAGE ?? "ouro/stack:bookworm",
    npmRegistry: env.OURO_NPM_REGISTRY ?? readNpmRegistry(dataDir),
    secrets: loadSecrets(dataDir),
  };
}

/** Bootstrap records `npm config get registry` once; builds use it. */
function readNpmRegistry(dataDir: string): string {
  const file = join(dataDir, "npm-registry");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : "";
}

/** Dynos reach the host by this name (ExtraHosts: the Docker bridge's gateway). */
export const DYNO_HOST = "ouro-host";

/** The API as a client on the host reaches it: the URLs it hands out (git, logs, outputs, sources) are at this address. */
export function hostApiUrl(config: Pick<Config, "apiPort">): string {
  return `http://127.0.0.1:${config.apiPort}`;
}

/** The API as a dyno reaches it. */
export function dynoApiUrl(config: Pick<Config, "apiPort">): string {
  return `http://${DYNO_HOST}:${config.apiPort}`;
}

export function postgresUrl(config: Config): string {
  return `postgres://ouro:${config.secrets.postgresPassword}@127.0.0.1:${config.postgresPort}/ouro`;
}

export function redisUrl(config: Config): string {
  return `redis://default:${config.secrets.redisPassword}@127.0.0.1:${config.redisPort}`;
}

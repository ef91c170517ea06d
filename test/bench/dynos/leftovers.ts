// What the benchmark made and what of it is still there after its clean-up: containers,
// volumes and networks of its namespace, its baseline's containers, its app networks' firewall
// chains, its throwaway database and its app on the platform.
import Docker from "dockerode";
import pg from "pg";
import { appInterface } from "../../../platform/dynos/app-networks.ts";
import { readFilterTable } from "../../../platform/dynos/firewall.ts";
import { loadConfig, postgresUrl } from "../../../platform/lib/config.ts";
import { api } from "../../support/platform.ts";

export interface Made {
  namespace?: string;
  appIds: string[];
  database?: string;
  platformApp?: string;
}

export async function leftBehind(made: Made): Promise<string[]> {
  const left: string[] = [];
  const docker = new Docker();
  if (made.namespace) {
    const label = { label: [`ouro.namespace=${made.namespace}`] };
    const containers = await docker.listContainers({ all: true, filters: label });
    const bare = await docker.listContainers({ all: true, filters: { label: [`ouro.bench=${made.namespace}`] } });
    const volumes = (await docker.listVolumes({ filters: label })).Volumes ?? [];
    const networks = await docker.listNetworks({ filters: label });
    for (const [n, what] of [[containers.length + bare.length, "containers"], [volumes.length, "volumes"], [networks.length, "networks"]] as const) {
      if (n > 0) left.push(`${n} ${what}`);
    }
  }
  if (made.appIds.length) {
    // Ouro's own chains only: Docker's rules for a network go with it, and are counted there.
    const table = await readFilterTable();
    const names = made.appIds.flatMap((id) => [appInterface(id), appInterface(id).replace(/^od-/, "OURO-A-")]);
    const ours = [...table].filter(([chain]) => chain.startsWith("OURO"));
    const rules = ours.flatMap(([chain, lines]) => [chain, ...lines]).filter((line) => names.some((name) => line.includes(name)));
    if (rules.length) left.push(`${rules.length} of Ouro's firewall chains and rules`);
  }
  if (made.database) {
    const kernel = new pg.Client(postgresUrl(loadConfig()));
    await kernel.connect();
    const { rowCount } = await kernel.query("SELECT 1 FROM pg_database WHERE datname = $1", [made.database]).finally(() => kernel.end());
    if (rowCount) left.push(`the database ${made.database}`);
  }
  if (made.platformApp && (await api("GET", `/apps/${made.platformApp}`)).status !== 404) left.push(`the app ${made.platformApp}`);
  return left;
}

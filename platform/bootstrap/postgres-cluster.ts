// A PostgreSQL cluster of Ouro's own under the data dir, from the OS package's binaries: the
// kernel's and the add-ons' are two of these. The superuser is reached only as the `postgres`
// OS user over the cluster's own unix socket (peer), never by password.
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, step, succeeds, waitFor } from "./shell.ts";

export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "pg_ctl")));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, "bin") : undefined;
}

export interface ClusterSpec {
  /** How progress lines name it: "PostgreSQL", "the add-on PostgreSQL". */
  name: string;
  dir: string;
  port: number;
  listen: string[];
  /** Server settings given at start; a running server showing another value is restarted. */
  settings?: Record<string, string>;
  /** The whole pg_hba.conf, when this cluster's rules replace initdb's. */
  hba?: string;
}

export interface Cluster {
  /** Runs SQL as the superuser (statements on stdin, so function bodies need no quoting); answers rows as `a|b` lines. */
  psql(sql: string, database?: string): string;
}

/** Creates the cluster when missing, (re)starts it with the spec's settings, applies its pg_hba. */
export async function ensureCluster(spec: ClusterSpec): Promise<Cluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL's binaries are missing under /usr/lib/postgresql: install the postgresql package");
  const { dir, port } = spec;
  const socketDir = join(dir, "run");
  const asPostgres = (command: string, args: string[], input?: string) =>
    run("runuser", ["-u", "postgres", "--", join(bin, command), ...args], { quiet: true, input });
  if (!existsSync(join(dir, "PG_VERSION"))) {
    step(`Creating ${spec.name}'s cluster in ${dir}`);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uid("postgres"), uid("postgres", "g"));
    asPostgres("initdb", ["-D", dir, "--auth-local=peer", "--auth-host=scram-sha-256", "-U", "postgres"]);
  }
  const hbaFile = join(dir, "pg_hba.conf");
  if (spec.hba !== undefined && readFileSync(hbaFile, "utf8") !== spec.hba) writeFileSync(hbaFile, spec.hba);

  // Asked through this cluster's own socket: another server on the port is not ours.
  const ready = () => succeeds(join(bin, "pg_isready"), ["-q", "-h", socketDir, "-p", String(port)]);
  const psql = (sql: string, database = "postgres") =>
    asPostgres("psql", ["-h", socketDir, "-p", String(port), "-d", database, "-v", "ON_ERROR_STOP=1", "-tAq"], sql).trim();
  const settings = { listen_addresses: spec.listen.join(","), ...spec.settings };
  const options = [`-p ${port}`, `-k ${socketDir}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(" ");
  const pgCtl = (action: string) => asPostgres("pg_ctl", ["-D", dir, "-l", join(dir, "server.log"), "-o", options, "-w", action]);

  if (ready()) {
    const differ = Object.entries(settings).filter(([name, value]) => psql(`SHOW ${name}`) !== value).map(([name]) => name);
    if (differ.length) {
      step(`Restarting ${spec.name} for its ${differ.join(", ")}`);
      pgCtl("restart");
    }
  }
  if (!ready()) {
    step(`Starting ${spec.name} on port ${port}`);
    mkdirSync(socketDir, { recursive: true });
    chownSync(socketDir, uid("postgres"), uid("postgres", "g"));
    pgCtl("start");
    await waitFor(spec.name, ready);
  }
  psql("SELECT pg_reload_conf()");
  return { psql };
}

/** A SQL string literal (for statements that take no parameters, such as PASSWORD). */
export const sqlLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

function uid(user: string, kind: "u" | "g" = "u"): number {
  return Number(run("id", [`-${kind}`, user], { quiet: true }).trim());
}

// A redis-server of Ouro's own under the data dir, from the OS package: the kernel's and the
// add-ons' are two of these. AOF on (a restart loses nothing acknowledged); users live in an
// aclfile, so users made at run time (the add-on provider's) survive a restart.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, step, succeeds, waitFor } from "./shell.ts";

export interface RedisServerSpec {
  /** How progress lines name it: "Redis", "the add-on Redis". */
  name: string;
  dir: string;
  port: number;
  bind: string[];
  /** The `default` user's password: bootstrap's own login, with every right. */
  password: string;
  /** The server's fixed users besides `default`: name → ACL rules after `on`. */
  users: Record<string, string>;
  /** Users made at run time that stay; every other user not in `users` is removed. */
  keep?: RegExp;
  /** Settings a running server takes with CONFIG SET (memory, clients). */
  settings: [string, string][];
}

export async function ensureRedisServer(spec: RedisServerSpec): Promise<void> {
  const { dir, port } = spec;
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "redis.conf");
  const aclFile = join(dir, "users.acl");
  const users: Record<string, string> = { default: `>${spec.password} ~* &* +@all`, ...spec.users };
  const kept = (user: string) => user in users || (spec.keep?.test(user) ?? false);
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bind ${spec.bind.join(" ")}`,
      `dir ${dir}`,
      "appendonly yes",
      "appendfsync everysec",
      "daemonize yes",
      `pidfile ${join(dir, "redis.pid")}`,
      `logfile ${join(dir, "redis.log")}`,
      `aclfile ${aclFile}`,
      ...spec.settings.map(([name, value]) => `${name} ${value}`),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const cli = ["-p", String(port), "--user", "default", "--pass", spec.password, "--no-auth-warning"];
  const redisCli = (...args: string[]) => run("redis-cli", [...cli, ...args], { quiet: true }).trim();
  const ping = () => succeeds("redis-cli", [...cli, "ping"]);
  if (ping() && redisCli("CONFIG", "GET", "aclfile").split("\n")[1]?.trim() !== aclFile) {
    step(`Restarting ${spec.name} to move its users into an ACL file`);
    redisCli("SHUTDOWN");
    await waitFor(`${spec.name} to stop`, () => !ping());
  }
  if (!ping()) {
    const runtime = existsSync(aclFile)
      ? readFileSync(aclFile, "utf8").split("\n").filter((line) => /^user \S+ /.test(line) && !(line.split(" ")[1]! in users) && kept(line.split(" ")[1]!))
      : [];
    const lines = [...Object.entries(users).map(([user, rules]) => `user ${user} on ${rules}`), ...runtime];
    writeFileSync(aclFile, `${lines.join("\n")}\n`, { mode: 0o600 });
    step(`Starting ${spec.name} on port ${port} (AOF persistence on)`);
    run("redis-server", [conf]);
    await waitFor(spec.name, ping);
    return;
  }
  for (const [name, value] of spec.settings) redisCli("CONFIG", "SET", name, value);
  // A running server learns its fixed users afresh and loses those it should no longer have.
  for (const [user, rules] of Object.entries(users)) redisCli("ACL", "SETUSER", user, "reset", "on", ...rules.split(" "));
  const gone = redisCli("ACL", "USERS").split("\n").map((user) => user.trim()).filter((user) => user && !kept(user));
  if (gone.length) {
    step(`${spec.name}: removing the users ${gone.join(", ")}`);
    redisCli("ACL", "DELUSER", ...gone);
  }
  redisCli("ACL", "SAVE");
}

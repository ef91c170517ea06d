// The host firewall's part in keeping dynos apart: chains of Ouro's own in iptables' filter
// table, hooked into INPUT for the dyno bridges' interfaces only, so a host with no dyno (or
// after `npm run down`) is untouched. Docker keeps bridges apart from each other; these rules
// keep a bridge's containers from the host's own ports.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export const iptables = (args: string[]) => run("iptables", ["-w", ...args]);
const succeeds = (args: string[]) => iptables(args).then(() => true, () => false);

/** The filter table's chains and their rules, as `iptables-save` prints them (`-A CHAIN …`). */
export async function readFilterTable(): Promise<Map<string, string[]>> {
  const { stdout } = await run("iptables-save", ["-t", "filter"]);
  const chains = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const declared = /^:(\S+) /.exec(line);
    if (declared) chains.set(declared[1]!, []);
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule) chains.get(rule[1]!)?.push(rule[2]!);
  }
  return chains;
}

/**
 * Makes `chain` hold exactly `rules` (each as `iptables -S` prints it, after `-A CHAIN`), in
 * one atomic replacement: the chain is never seen with half its rules. Other chains stay.
 */
export async function replaceChain(chain: string, rules: string[]): Promise<void> {
  const table = ["*filter", `:${chain} - [0:0]`, ...rules.map((rule) => `-A ${chain} ${rule}`), "COMMIT", ""].join("\n");
  await new Promise<void>((resolve, reject) => {
    const child = execFile("iptables-restore", ["-w", "--noflush"], (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(table);
  });
}

/** Replaces the chain only when it differs from `rules`; `current` is a fresh readFilterTable(). */
export async function ensureChain(chain: string, rules: string[], current?: Map<string, string[]>): Promise<boolean> {
  const now = (current ?? (await readFilterTable())).get(chain);
  if (now && now.join("\n") === rules.join("\n")) return false;
  await replaceChain(chain, rules);
  return true;
}

/** `from` sends the packets `match` describes to `chain`, as its first rule; added once. */
export async function ensureJump(from: string, match: string[], chain: string): Promise<void> {
  const rule = [...match, "-j", chain];
  if (!(await succeeds(["-C", from, ...rule]))) await iptables(["-I", from, "1", ...rule]);
}

/** Removes a jump and the chain it leads to; a missing one is fine. */
export async function dropChain(from: string, match: string[], chain: string): Promise<void> {
  while (await succeeds(["-D", from, ...match, "-j", chain]));
  await succeeds(["-F", chain]);
  await succeeds(["-X", chain]);
}

/** Rules that accept TCP connections to these ports. */
export const acceptPorts = (ports: number[]) => ports.map((port) => `-p tcp -m tcp --dport ${port} -j ACCEPT`);

/**
 * The rules that accept replies, then whatever `first` accepts, then the given TCP ports, and
 * refuse everything else.
 */
export function onlyPorts(ports: number[], first: string[] = []): string[] {
  return [
    "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    ...first,
    ...acceptPorts(ports),
    "-p tcp -j REJECT --reject-with tcp-reset",
    "-j REJECT --reject-with icmp-port-unreachable",
  ];
}

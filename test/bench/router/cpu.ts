// CPU time of a process and all its descendants, from /proc (user + system, in µs).
import { readFileSync, readdirSync } from "node:fs";

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

interface Stat {
  pid: number;
  ppid: number;
  cpuUs: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(fields[1]), cpuUs: (Number(fields[11]) + Number(fields[12])) * TICK_US };
  } catch {
    return undefined; // gone since the listing
  }
}

/** CPU µs used so far by `root` and every process under it. */
export function treeCpuUs(root: number): number {
  const stats = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))).filter((s): s is Stat => s !== undefined);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let total = 0;
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      total += child.cpuUs;
      visit(child.pid);
    }
  };
  total += stats.find((s) => s.pid === root)?.cpuUs ?? 0;
  visit(root);
  return total;
}

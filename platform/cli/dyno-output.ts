// How `ps`, `ps:scale` and `ps:type` show dynos and the formation, after heroku's CLI: sizes as
// it prints them (`Standard-1X`), formation dynos grouped by type and command, one-off dynos
// (`run.N`) apart, each with its own size and command.
import { DYNO_SIZES, sizeLabel } from "../lib/dyno-sizes.ts";
import { ago, formatTime, type Printer } from "./printer.ts";
import type { Dyno, Formation } from "./types.ts";

export function printDynos(print: Printer, dynos: readonly Dyno[], now = new Date()): void {
  const state = (dyno: Dyno) => `${dyno.state} ${formatTime(dyno.updated_at)} (${ago(dyno.updated_at, now)})`;
  const oneOffs = dynos.filter((d) => d.type === "run").sort((a, b) => dynoNumber(a) - dynoNumber(b));
  const groups = groupDynos(dynos.filter((d) => d.type !== "run"));
  for (const [i, group] of groups.entries()) {
    if (i > 0) print.line();
    const first = group[0] as Dyno;
    print.heading(`${first.type} (${sizeLabel(first.size)}): ${first.command} (${group.length})`);
    for (const dyno of group) print.line(`${dyno.name}: ${state(dyno)}`);
  }
  if (oneOffs.length === 0) return;
  if (groups.length > 0) print.line();
  print.heading(`run: one-off processes (${oneOffs.length})`);
  // Ouro's addition: when a one-off dyno's time limit stops it.
  const expiry = (dyno: Dyno) => (dyno.expires_at ? ` (expires ${formatTime(dyno.expires_at)})` : "");
  for (const dyno of oneOffs) print.line(`${dyno.name} (${sizeLabel(dyno.size)}): ${state(dyno)}: ${dyno.command}${expiry(dyno)}`);
}

/** `web=2:Standard-2X worker=0:Standard-1X`, what `ps:scale` without changes prints. */
export const formationSummary = (formation: readonly Formation[]) =>
  formation.map((f) => `${f.type}=${f.quantity}:${sizeLabel(f.size)}`).join(" ");

/** heroku's `=== Dyno Types` table, with each size's memory where heroku shows a cost. */
export function printDynoTypes(print: Printer, formation: readonly Formation[]): void {
  const memory = (name: string) => {
    const size = DYNO_SIZES.find((s) => s.name === name);
    return size ? `${size.memoryMb} MB` : "";
  };
  print.heading("Dyno Types");
  print.table(formation, [
    { header: "type", get: (f) => f.type },
    { header: "size", get: (f) => sizeLabel(f.size) },
    { header: "qty", get: (f) => String(f.quantity) },
    { header: "memory", get: (f) => memory(f.size) },
  ]);
}

/** heroku's grouping: by process type, size and command, web first, dynos in number order. */
function groupDynos(dynos: readonly Dyno[]): Dyno[][] {
  const groups = new Map<string, Dyno[]>();
  for (const dyno of dynos) {
    const key = `${dyno.type}\0${dyno.size}\0${dyno.command}`;
    groups.set(key, [...(groups.get(key) ?? []), dyno]);
  }
  const rank = (type: string) => (type === "web" ? "" : type);
  return [...groups.values()]
    .sort((a, b) => rank((a[0] as Dyno).type).localeCompare(rank((b[0] as Dyno).type)))
    .map((group) => group.sort((a, b) => dynoNumber(a) - dynoNumber(b)));
}

const dynoNumber = (dyno: Dyno) => Number(dyno.name.split(".").at(-1)) || 0;

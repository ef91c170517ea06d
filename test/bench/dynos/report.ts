// The benchmark's summary: one row per measured thing, with its target and PASS or FAIL; a
// row that could not be measured says why, and makes the run fail.
export type Verdict = "PASS" | "FAIL" | "-";

interface Row {
  measure: string;
  target: string;
  result?: string;
  verdict?: Verdict;
}

export const passIf = (ok: boolean): Verdict => (ok ? "PASS" : "FAIL");

export function createReport(rows: Record<string, { measure: string; target: string }>) {
  const table = new Map<string, Row>(Object.entries(rows).map(([key, row]) => [key, { ...row }]));
  const errors: string[] = [];
  return {
    set(key: string, result: string, verdict: Verdict) {
      Object.assign(table.get(key)!, { result, verdict });
    },
    /** What stopped a phase: the rows it did not reach are not measured. */
    failed(what: string, error: unknown) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    },
    /** Prints the table; true when every row was measured. */
    print(): boolean {
      const lines = [...table.values()].map((r) => [r.measure, r.result ?? "NOT MEASURED", r.target, r.verdict ?? "ERROR"]);
      const header = ["measure", "result", "target", "verdict"];
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
      const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
      console.log(`\n${format(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
      for (const line of lines) console.log(format(line));
      for (const error of errors) console.log(`\nnot measured because ${error}`);
      return [...table.values()].every((r) => r.result !== undefined);
    },
  };
}

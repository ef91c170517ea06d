// The audit trail as the CLI reads it, and each entry's detail in a few words: `set FOO (v5)`,
// `web=2`, a push's short commit. Pure, so it is table-tested (test/cli/audit.test.ts).
import type { AuditEntryResource } from "../../../lib/access-contract.ts";

export type AuditEntry = AuditEntryResource;

// Entries outlive the code that wrote them, so a detail is read field by field and a field
// of another shape is left out rather than trusted.
const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : undefined);
const texts = (value: unknown) => (Array.isArray(value) ? value.map(text).filter((v) => v !== undefined) : []);
/** The words that are there, joined: a missing field leaves no gap or "undefined". */
const words = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(" ");
const inParens = (value: string | undefined) => (value ? `(${value})` : undefined);
/** An entry whose detail says it in one field: an email, an add-on's name, a key's id. */
const only = (name: string) => (detail: Record<string, unknown>) => text(detail[name]) ?? "";

function configChange(detail: Record<string, unknown>): string {
  const set = texts(detail.set);
  const unset = texts(detail.unset);
  const changes = [set.length ? `set ${set.join(", ")}` : "", unset.length ? `unset ${unset.join(", ")}` : ""].filter(Boolean);
  const version = text(detail.version);
  return `${changes.join("; ")}${version ? ` (v${version})` : ""}`;
}

/** ps:scale's grammar: `web=2`, `web+1`, `web=2:standard-2X`; a size alone as ps:type writes it, `web=standard-2X`. */
function formationChange(update: unknown): string | undefined {
  if (typeof update !== "object" || update === null) return undefined;
  const { type, quantity, delta, size } = update as Record<string, unknown>;
  if (text(type) === undefined) return undefined;
  // A change by N (`ps:scale web+1`) reads as heroku's grammar writes it.
  if (typeof delta === "number") return `${text(type)}${delta < 0 ? "" : "+"}${delta}${text(size) ? `:${text(size)}` : ""}`;
  const parts = [text(quantity), text(size)].filter((p) => p !== undefined);
  return parts.length ? `${text(type)}=${parts.join(":")}` : text(type);
}

/** Every other entry: its fields as `key=value`, so a new action still says something. */
function fields(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}=${text(value) ?? JSON.stringify(value)}`)
    .join(" ");
}

const SUMMARIES: Record<string, (detail: Record<string, unknown>) => string> = {
  "config.update": configChange,
  "formation.update": (d) => (Array.isArray(d.updates) ? d.updates.map(formationChange).filter(Boolean).join(" ") : ""),
  push: (d) => text(d.commit)?.slice(0, 7) ?? "",
  "build.create": (d) => words(text(d.version), inParens(text(d.build))),
  "release.rollback": (d) => (text(d.to) ? `to v${text(d.to)}` : ""),
  "dyno.run": (d) => words(text(d.dyno) && `${text(d.dyno)}:`, text(d.command)),
  "buildpacks.update": (d) => (Array.isArray(d.buildpacks) ? texts(d.buildpacks).join(", ") || "(cleared)" : ""),
  "addon.create": (d) => words(text(d.addon), inParens(text(d.plan))),
  "addon.destroy": only("addon"),
  "app.transfer": (d) => words(text(d.from), "→", text(d.to)),
  "collaborator.add": only("email"),
  "collaborator.remove": only("email"),
  "user.create": only("email"),
  "user.remove": only("email"),
  "authorization.create": (d) => words(text(d.id), inParens(texts(d.scope).join(","))),
  "authorization.revoke": only("id"),
  "domain.add": only("hostname"),
  "drain.add": only("url"),
  "drain.remove": only("url"),
  "domain.remove": only("hostname"),
  "domain.update": (d) => words(text(d.hostname), "→", text(d.sni_endpoint) ?? "(best match)"),
  "cert.add": (d) => words(text(d.name), inParens(texts(d.cert_domains).join(", "))),
  "cert.update": (d) => words(text(d.name), inParens(texts(d.cert_domains).join(", "))),
  "cert.remove": only("name"),
  "app.maintenance": (d) => (d.maintenance === true ? "on" : d.maintenance === false ? "off" : ""),
};

/** What the entry changed, in a few words; "" when its action says it all (app.create, dyno.restart). */
export function summarizeAudit(entry: Pick<AuditEntry, "action" | "detail">): string {
  const detail = typeof entry.detail === "object" && entry.detail !== null ? entry.detail : {};
  return (SUMMARIES[entry.action] ?? fields)(detail);
}

// `ouro ps:scale web=2 worker+1 clock-1 web=1:2X` and `ouro ps:type web=2X` / `ps:type 2X`:
// parsing the arguments into changes, and turning them into formation updates against the
// current formation. No I/O. Sizes go to the API as typed: it knows them, in any case.

export class ScaleArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScaleArgumentError";
  }
}

export interface ScaleChange {
  type: string;
  /** `=` sets the quantity; `+`/`-` change it relative to the current formation. */
  op: "=" | "+" | "-";
  quantity: number;
  size?: string;
}

export interface FormationUpdate {
  type: string;
  /** Left out by ps:type: the quantity stays. */
  quantity?: number;
  size?: string;
}

const CHANGE = /^([A-Za-z0-9_-]+?)([=+-])(\d+)(?::([A-Za-z0-9_-]+))?$/;
const USAGE = "use TYPE=N, TYPE+N or TYPE-N, e.g. ouro ps:scale web=2 worker=1";

export function parseScaleArgs(args: readonly string[]): ScaleChange[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = CHANGE.exec(arg);
    if (!match) throw new ScaleArgumentError(`invalid dyno change "${arg}": ${USAGE}`);
    const [, type = "", op, quantity = "", size] = match;
    if (seen.has(type)) throw new ScaleArgumentError(`process type "${type}" is scaled twice`);
    seen.add(type);
    const change: ScaleChange = { type, op: op as ScaleChange["op"], quantity: Number(quantity) };
    if (size) change.size = size;
    return change;
  });
}

/** Absolute quantities; a type missing from the formation counts as 0 dynos. */
export function resolveScale(
  changes: readonly ScaleChange[],
  formation: readonly { type: string; quantity: number }[],
): FormationUpdate[] {
  return changes.map(({ type, op, quantity, size }) => {
    const current = formation.find((f) => f.type === type)?.quantity ?? 0;
    const target = op === "=" ? quantity : op === "+" ? current + quantity : current - quantity;
    if (target < 0) {
      throw new ScaleArgumentError(`cannot scale ${type} to ${target}: it runs ${current} dynos`);
    }
    return size ? { type, quantity: target, size } : { type, quantity: target };
  });
}

const TYPE_SIZE = /^([A-Za-z0-9_-]+)=([A-Za-z0-9_-]+)$/;
const SIZE = /^[A-Za-z0-9_-]+$/;
const TYPE_USAGE = "use TYPE=SIZE (e.g. ouro ps:type web=standard-2X worker=1X), or one SIZE for every process type";

/** `ps:type` arguments: TYPE=SIZE for each type named, or one SIZE for all of `types`. */
export function parseTypeArgs(args: readonly string[], types: readonly string[]): Required<Pick<FormationUpdate, "type" | "size">>[] {
  const [only] = args;
  if (args.length === 1 && only !== undefined && !only.includes("=")) {
    if (!SIZE.test(only)) throw new ScaleArgumentError(`invalid dyno size "${only}": ${TYPE_USAGE}`);
    if (types.length === 0) throw new ScaleArgumentError("this app has no process types yet: deploy it first");
    return types.map((type) => ({ type, size: only }));
  }
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = TYPE_SIZE.exec(arg);
    if (!match) throw new ScaleArgumentError(`invalid dyno type change "${arg}": ${TYPE_USAGE}`);
    const [, type = "", size = ""] = match;
    if (seen.has(type)) throw new ScaleArgumentError(`process type "${type}" is resized twice`);
    seen.add(type);
    return { type, size };
  });
}

export function isRelative(changes: readonly ScaleChange[]): boolean {
  return changes.some((c) => c.op !== "=");
}

// The Procfile format, shared by app builds and the kernel's own process runner:
// `<process type>: <command>` per line; blank lines and `#` comments are ignored.

export class ProcfileError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = "ProcfileError";
    this.line = line;
  }
}

const TYPE = /^[A-Za-z0-9_-]{1,63}$/;

export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const number = i + 1;
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    if (colon < 0) {
      throw new ProcfileError(`Procfile line ${number} ("${line}") is not "<process type>: <command>"`, number);
    }
    const type = line.slice(0, colon).trim();
    const command = line.slice(colon + 1).trim();
    if (!TYPE.test(type)) {
      throw new ProcfileError(
        `Procfile line ${number}: process type "${type}" may use only letters, digits, "_" and "-"`,
        number,
      );
    }
    if (command === "") {
      throw new ProcfileError(`Procfile line ${number}: process type "${type}" has no command`, number);
    }
    if (type in types) {
      throw new ProcfileError(`Procfile line ${number}: process type "${type}" is defined twice`, number);
    }
    types[type] = command;
  });
  return types;
}

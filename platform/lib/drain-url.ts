// A log drain's URL, checked where it enters (the API) and read where lines leave (the forwarder):
// syslog:// (RFC 5424 over TCP, octet-counted), syslog+tls://, or http(s):// (POSTs of lines in
// logplex's framing). Link-local addresses (a cloud host's metadata service) are refused.

export type DrainTarget =
  | { kind: "syslog"; tls: boolean; host: string; port: number }
  | { kind: "http"; url: string };

export class DrainUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DrainUrlError";
  }
}

const HOW = "Use syslog://HOST:PORT, syslog+tls://HOST:PORT or an http(s):// URL.";
export const MAX_DRAIN_URL_LENGTH = 1000;

export function parseDrainUrl(text: string): DrainTarget {
  const refuse = (why: string) => new DrainUrlError(`${JSON.stringify(text.slice(0, 100))} is not a log drain: ${why}. ${HOW}`);
  if (text.length > MAX_DRAIN_URL_LENGTH) throw refuse(`longer than ${MAX_DRAIN_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse("not a URL");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw refuse("it names no host");
  if (/^169\.254\./.test(host) || /^fe[89ab][0-9a-f]:/i.test(host)) throw refuse("a link-local address");
  if (url.protocol === "syslog:" || url.protocol === "syslog+tls:") {
    if (!url.port) throw refuse("a syslog drain needs a port");
    return { kind: "syslog", tls: url.protocol === "syslog+tls:", host, port: Number(url.port) };
  }
  if (url.protocol === "http:" || url.protocol === "https:") return { kind: "http", url: url.toString() };
  throw refuse(`${url.protocol} is not a drain scheme`);
}

export const isDrainUrlError = (error: unknown): error is DrainUrlError => error instanceof Error && error.name === "DrainUrlError";

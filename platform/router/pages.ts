// The router's own answers: Heroku's error codes (the `code=` of the log line) and small HTML
// pages that say what happened.
import { VIA } from "./headers.ts";

export interface Answer {
  status: number;
  body: string;
}

/** Heroku's router error codes this router gives, with their log `desc`. */
export const ERRORS = {
  H10: "App crashed",
  H11: "Backlog too deep",
  H12: "Request timeout",
  H13: "Connection closed without response",
  H14: "No web processes running",
  H15: "Idle connection",
  H17: "Poorly formatted HTTP response",
  H18: "Server Request Interrupted",
  H25: "HTTP Restriction",
  H27: "Client Request Interrupted",
  H28: "Client Connection Idle",
  H80: "Maintenance mode",
} as const;
export type ErrorCode = keyof typeof ERRORS;

export function page(status: number, title: string, detail: string): Answer {
  return {
    status,
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:4em auto;max-width:40em"><h1>${title}</h1><p>${detail}</p><hr><small>Ouro router</small></body></html>\n`,
  };
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const code = (text: string) => `<code>${escape(text)}</code>`;
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export const noSuchApp = (host: string) =>
  page(404, "No such app", `There is no app at ${code(host)}. Check the name with <code>ouro apps</code>.`);

export const noWebDynos = (app: string) =>
  page(503, "Application unavailable", `${code(app)} has no web dyno up right now (H14). Try <code>ouro ps -a ${escape(app)}</code>.`);

export const maintenance = (app: string) =>
  page(503, "Down for maintenance", `${code(app)} is in maintenance mode (H80). Try again shortly.`);

export const appCrashed = (app: string) =>
  page(503, "Application error", `The web dynos of ${code(app)} refused the connection (H10): they may have crashed.`);

export const backlogTooDeep = (app: string) =>
  page(503, "Too many requests waiting", `${code(app)} has more requests waiting than its web dynos can take (H11). Try again shortly.`);

export const requestTimeout = (app: string, ms: number) =>
  page(503, "Request timeout", `The web dyno of ${code(app)} did not begin its answer within ${seconds(ms)} (H12).`);

export const closedWithoutResponse = (app: string) =>
  page(503, "Application error", `The web dyno of ${code(app)} closed the connection without answering (H13).`);

export const badResponse = (app: string) =>
  page(503, "Application error", `The web dyno of ${code(app)} sent an answer that is not valid HTTP (H17).`);

export const badRequest = () => page(400, "Bad request", "The router could not read this request as HTTP/1.1.");

export const uriTooLong = (max: number) => page(414, "URI too long", `The request line is longer than ${max} bytes.`);

export const headersTooLarge = (max: number) =>
  page(431, "Request header fields too large", `A header line is longer than ${max} bytes, or all headers together are too large.`);

export const headersTimeout = () => page(408, "Request timeout", "The request's headers did not arrive in time.");

/** An answer as raw HTTP/1.1 on a socket that has no ServerResponse (a bad request, an upgrade), closing it. */
export function rawAnswer(answer: Answer, headers: readonly string[] = []): string {
  let extra = "";
  for (let i = 0; i < headers.length; i += 2) extra += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? ""}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n${extra}Connection: close\r\n\r\n${answer.body}`;
}

/**
 * The router's own answer as a whole response on a kept connection: the request id, Via, and
 * `Connection: close` when the connection ends after it.
 */
export function pageAnswer(answer: Answer, requestId: string | undefined, close: boolean): string {
  const id = requestId ? `X-Request-Id: ${requestId}\r\n` : "";
  return (
    `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? ""}\r\nContent-Type: text/html; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(answer.body)}\r\n${id}Via: ${VIA}\r\n${close ? "Connection: close\r\n" : ""}\r\n${answer.body}`
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  408: "Request Timeout",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

// The rule for a custom domain's hostname, checked where it enters the API: the router matches
// Host headers and SNI names against these exactly (route-contract.ts, matchHostname), so what
// is stored is lower case, without a port or a trailing dot, and never one of the platform's own.
import { invalidParams } from "./errors.ts";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `www.example.com` ends in `example.com`; `example.com` does too. */
export const isUnder = (hostname: string, parent: string) => hostname === parent || hostname.endsWith(`.${parent}`);

/**
 * `WWW.Example.com.` → `www.example.com`. RFC 1123 labels (letters, digits, inner dashes, at most
 * 63 characters, 253 in all), at least two of them, a top-level label that is not all digits (so
 * no IP address), and at most a leading `*.` for a wildcard over two labels or more. Names in
 * `platformDomain` are the platform's own (`<app>.<OURO_DOMAIN>`) and are refused.
 */
export function parseCustomHostname(input: string, platformDomain: string): string {
  const bad = (why: string) => invalidParams(`${JSON.stringify(input)} is not a hostname Ouro can route: ${why}.`);
  if (/[:/]/.test(input)) {
    if (/^\[|^[0-9a-f:]+$/i.test(input)) throw bad("it is an IP address; add a DNS name instead");
    throw bad("give the bare name, without a scheme, port or path (www.example.com)");
  }
  if (/\s/.test(input)) throw bad("it contains white space");
  // Non-ASCII is legal in a name only in its ASCII form (IDNA): `xn--…`.
  if (/[^\x21-\x7e]/.test(input)) throw bad("write an internationalized name in its ASCII form (xn--…)");
  const hostname = input.toLowerCase().replace(/\.$/, "");
  if (hostname.length > 253) throw bad("it is longer than 253 characters");
  const labels = hostname.split(".");
  const wildcard = labels[0] === "*";
  const named = wildcard ? labels.slice(1) : labels;
  const platform = platformDomain.toLowerCase();
  if (isUnder(named.join("."), platform)) throw bad(`names under ${platform} are the platform's own (each app has <app>.${platform} already)`);
  if (named.length < 2) throw bad(wildcard ? "a wildcard covers names under a domain, as in *.example.com" : "it needs a domain, as in www.example.com");
  for (const label of named) {
    if (label === "") throw bad("it has an empty label (two dots in a row, or a leading dot)");
    if (label.includes("*")) throw bad("a wildcard is only allowed as the whole first label, as in *.example.com");
    if (label.length > 63) throw bad(`the label ${label.slice(0, 20)}… is longer than 63 characters`);
    if (!LABEL.test(label)) throw bad(`the label "${label}" may have only letters, digits and inner dashes`);
  }
  if (/^\d+$/.test(named[named.length - 1]!)) throw bad("it is an IP address; add a DNS name instead");
  return hostname;
}

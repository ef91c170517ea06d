// Which certificate serves which custom domain, as a table: the user's choice while it covers the
// name, else a name of its own over a wildcard, then the longest-lived, then the newest.
import { describe, expect, it } from "vitest";
import { type AssignableCertificate, assignCertificates, covers } from "../../platform/api/cert-assignment.ts";

const day = (n: number) => new Date(Date.UTC(2030, 0, n));
const cert = (id: string, hostnames: string[], expires = 10, created = 1): AssignableCertificate => ({ id, hostnames, expires_at: day(expires), created_at: day(created) });
const domain = (hostname: string, chosen: string | null = null) => ({ id: hostname, hostname, sni_endpoint_id: chosen });

describe("covers", () => {
  it.each([
    [["www.example.com"], "www.example.com", true],
    [["www.example.com"], "example.com", false],
    [["*.example.com"], "www.example.com", true],
    [["*.example.com"], "a.b.example.com", false],
    [["*.example.com"], "example.com", false],
    [["*.example.com"], "*.example.com", true],
    [["www.example.com"], "*.example.com", false],
  ])("%j covers %s: %s", (names, hostname, expected) => {
    expect(covers(names, hostname)).toBe(expected);
  });
});

describe("assignCertificates", () => {
  it.each<[string, ReturnType<typeof domain>[], AssignableCertificate[], Record<string, string>]>([
    ["no certificate: nothing", [domain("www.example.com")], [], {}],
    ["one that covers", [domain("www.example.com")], [cert("a", ["www.example.com"])], { "www.example.com": "a" }],
    ["one that does not", [domain("shop.example.org")], [cert("a", ["www.example.com"])], {}],
    ["a name of its own over a wildcard", [domain("www.example.com")], [cert("wild", ["*.example.com"], 20), cert("own", ["www.example.com"], 5)], { "www.example.com": "own" }],
    ["then the one that lasts longest", [domain("www.example.com")], [cert("short", ["www.example.com"], 5), cert("long", ["www.example.com"], 9)], { "www.example.com": "long" }],
    ["then the newest", [domain("www.example.com")], [cert("old", ["www.example.com"], 9, 1), cert("new", ["www.example.com"], 9, 2)], { "www.example.com": "new" }],
    ["the user's choice first", [domain("www.example.com", "wild")], [cert("wild", ["*.example.com"]), cert("own", ["www.example.com"])], { "www.example.com": "wild" }],
    ["a choice that no longer covers the name is passed over", [domain("www.example.com", "other")], [cert("other", ["shop.example.org"]), cert("own", ["www.example.com"])], { "www.example.com": "own" }],
    [
      "each domain on its own",
      [domain("a.example.com"), domain("*.example.com"), domain("example.com")],
      [cert("wild", ["*.example.com"]), cert("apex", ["example.com"])],
      { "a.example.com": "wild", "*.example.com": "wild", "example.com": "apex" },
    ],
  ])("%s", (_, domains, certificates, expected) => {
    expect(Object.fromEntries(assignCertificates(domains, certificates))).toEqual(expected);
  });
});

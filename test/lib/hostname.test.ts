// The custom domain rule, as a table: what the router will match (lower case, no port, no trailing
// dot) and what it refuses, each with the reason the user reads.
import { describe, expect, it } from "vitest";
import { parseCustomHostname } from "../../platform/lib/hostname.ts";

const parse = (input: string) => parseCustomHostname(input, "localhost");

describe("parseCustomHostname", () => {
  it.each([
    ["www.example.com", "www.example.com"],
    ["WWW.Example.COM", "www.example.com"],
    ["www.example.com.", "www.example.com"],
    ["example.com", "example.com"],
    ["*.example.com", "*.example.com"],
    ["*.Shop.Example.org", "*.shop.example.org"],
    ["a-b.c-d.example.test", "a-b.c-d.example.test"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["1st.example.com", "1st.example.com"],
    [`${"a".repeat(63)}.example.com`, `${"a".repeat(63)}.example.com`],
  ])("takes %s as %s", (input, expected) => {
    expect(parse(input)).toBe(expected);
  });

  it.each([
    ["www.example.com:8080", "without a scheme, port or path"],
    ["http://www.example.com", "without a scheme, port or path"],
    ["www.example.com/path", "without a scheme, port or path"],
    ["10.0.0.1", "it is an IP address"],
    ["[::1]", "it is an IP address"],
    ["::1", "it is an IP address"],
    ["example", "it needs a domain"],
    ["*.com", "a wildcard covers names under a domain"],
    ["*", "a wildcard covers names under a domain"],
    ["www.*.example.com", "only allowed as the whole first label"],
    ["w*.example.com", "only allowed as the whole first label"],
    ["a..example.com", "an empty label"],
    [".example.com", "an empty label"],
    ["-www.example.com", 'the label "-www" may have only letters'],
    ["www-.example.com", 'the label "www-" may have only letters'],
    ["under_score.example.com", 'the label "under_score" may have only letters'],
    [`${"a".repeat(64)}.example.com`, "longer than 63 characters"],
    [`${"abcdefghi.".repeat(26)}com`, "longer than 253 characters"],
    ["bücher.example", "ASCII form (xn--"],
    ["www example.com", "white space"],
    ["localhost", "are the platform's own"],
    ["shop.localhost", "are the platform's own"],
    ["*.localhost", "are the platform's own"],
    ["a.b.LOCALHOST", "are the platform's own"],
  ])("refuses %s: %s", (input, why) => {
    expect(() => parse(input)).toThrow(why);
  });

  it("says which name it refused and answers 422", () => {
    try {
      parse("10.0.0.1");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 422, id: "invalid_params", message: '"10.0.0.1" is not a hostname Ouro can route: it is an IP address; add a DNS name instead.' });
    }
  });

  it("leaves names that only look like the platform's alone", () => {
    expect(parse("mylocalhost.example")).toBe("mylocalhost.example");
    expect(parseCustomHostname("shop.example.org", "apps.example.org")).toBe("shop.example.org");
    expect(() => parseCustomHostname("*.apps.example.org", "apps.example.org")).toThrow("are the platform's own");
  });
});

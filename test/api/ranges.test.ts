// Heroku's Range pagination, as the official CLI sends it (its several spellings included).
import { describe, expect, it } from "vitest";
import { pageOf, parseRange } from "../../platform/api/ranges.ts";

interface Row {
  id: string;
  name: string;
  version: number;
}

const rows: Row[] = Array.from({ length: 12 }, (_, i) => ({ id: `id-${String(i + 1).padStart(2, "0")}`, name: `app-${String.fromCharCode(108 - i)}`, version: i + 1 }));
const fields = { id: (r: Row) => r.id, name: (r: Row) => r.name, version: (r: Row) => r.version };
const versions = (page: Row[]) => page.map((r) => r.version);
const page = (header: string | undefined, on: readonly string[] = ["id", "name", "version"]) => pageOf(rows, parseRange(header, on), fields);

describe("Range", () => {
  it.each([
    // What heroku's CLI sends for releases, config:set and rollback, each its own spelling.
    ["version ..; max=15, order=desc", [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], undefined],
    ["version ..; order=desc,max=1", [12], "version ]12..; max=1, order=desc"],
    ["version ..; max=10, order=desc", [12, 11, 10, 9, 8, 7, 6, 5, 4, 3], "version ]3..; max=10, order=desc"],
    // Numbers compare as numbers: 5 before 10.
    ["version 5..10", [5, 6, 7, 8, 9, 10], undefined],
    ["version ]5..10[", [6, 7, 8, 9], undefined],
    ["version ]10..; max=200, order=asc", [11, 12], undefined],
    ["version 10..5; order=desc", [10, 9, 8, 7, 6, 5], undefined],
    ["id ..; max=1000;", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], undefined],
    ["", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], undefined],
    ["name ..; max=3", [12, 11, 10], "name ]app-c..; max=3, order=asc"],
  ])("%j gives %j, next %j", (header, expected, next) => {
    const result = page(header);
    expect(versions(result.page)).toEqual(expected);
    expect(result.next).toBe(next);
  });

  it("follows Next-Range to the end, each item once, and the last page has none", () => {
    const seen: number[] = [];
    let header: string | undefined = "version ..; max=5";
    let pages = 0;
    while (header !== undefined) {
      const result = page(header);
      seen.push(...versions(result.page));
      header = result.next;
      pages++;
    }
    expect(seen).toEqual(versions(rows));
    expect(pages).toBe(3);
  });

  it("no header: the first field, ascending, 200 at most", () => {
    expect(parseRange(undefined, ["version", "id"])).toEqual({ field: "version", startExclusive: false, endExclusive: false, max: 200, order: "asc" });
  });

  it("caps max at 1000", () => {
    expect(parseRange("id ..; max=5000", ["id"]).max).toBe(1000);
  });

  it.each([
    ["created_at ..", /ordered by id or name, not created_at/],
    ["id ..; max=0", /max must be a whole number from 1 to 1000/],
    ["id ..; max=ten", /max must be a whole number/],
    ["id ..; order=sideways", /order must be asc or desc/],
    ["id ..; limit=3", /unknown option "limit=3"/],
    ["!!", /is not of the form/],
    [`id ${".".repeat(600)}`, /longer than 512 characters/],
  ])("refuses %j with 400 saying what is wrong", (header, message) => {
    expect(() => parseRange(header, ["id", "name"])).toThrow(message);
    try {
      parseRange(header, ["id", "name"]);
    } catch (error) {
      expect(error).toMatchObject({ status: 400, id: "bad_request" });
    }
  });
});

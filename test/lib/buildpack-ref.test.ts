import { describe, expect, it } from "vitest";
import { BuildpackRefError, parseBuildpackRef } from "../../platform/lib/buildpack-ref.ts";
import { ACCEPTED, REFUSED, TOO_LONG } from "./buildpack-ref-cases.ts";

describe("parseBuildpackRef", () => {
  for (const [ref, reading] of ACCEPTED) {
    it(`reads ${JSON.stringify(ref)}`, () => {
      expect(parseBuildpackRef(ref)).toEqual({ ...reading, ref });
    });
  }

  for (const [ref, message] of REFUSED) {
    it(`refuses ${JSON.stringify(ref)}`, () => {
      expect(() => parseBuildpackRef(ref)).toThrow(BuildpackRefError);
      expect(() => parseBuildpackRef(ref)).toThrow(`${JSON.stringify(ref)} ${message}`);
    });
  }

  it("refuses a reference past 2048 characters, quoting only its start", () => {
    expect(() => parseBuildpackRef(TOO_LONG)).toThrow(`"${TOO_LONG.slice(0, 100)}…" is not usable: longer than 2048 characters.`);
  });
});

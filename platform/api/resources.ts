// The Platform API's resources as a client reads them: the types of what shapes.ts answers, after
// JSON (a Date is a string). Defined by the shapes themselves, so the CLI (platform/cli/types.ts)
// reads what the API sends, and a field changed on one side is a type error on the other.
import type { appShape, buildShape, dynoShape, formationShape, releaseShape, slugShape } from "./shapes.ts";

/** What JSON.stringify makes of a value of type T. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type AppResource = Json<ReturnType<typeof appShape>>;
export type FormationResource = Json<ReturnType<typeof formationShape>>;
export type ReleaseResource = Json<ReturnType<typeof releaseShape>>;
export type BuildResource = Json<ReturnType<typeof buildShape>>;
export type DynoResource = Json<ReturnType<typeof dynoShape>>;
export type SlugResource = Json<ReturnType<typeof slugShape>>;

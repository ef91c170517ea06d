// The dashboard's script and stylesheet, addressed by their content: a browser keeps each for a
// day, and a new deploy's are new addresses.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "public");

const address = (file: string) => `/assets/${file}?v=${createHash("sha256").update(readFileSync(join(PUBLIC_DIR, file))).digest("hex").slice(0, 12)}`;

export const ASSETS = { script: address("dashboard.js"), stylesheet: address("dashboard.css") };

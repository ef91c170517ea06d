// The desired model's dynos, from an app's current release and formation (platform/db's
// DesiredApp). Pure: the dyno manager and the API's plan read the same slots.
import type { DesiredApp } from "../db/index.ts";
import { DEFAULT_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { DesiredDyno } from "./model.ts";

/**
 * The formation's quantities, and for a type the release brings that the formation does not have
 * yet (a deploying release's process types join the formation only when it succeeds), what it
 * will start with: `web` 1, others 0, as on Heroku. Types the release does not have run nothing.
 */
export function quantities(model: Pick<DesiredApp, "formation" | "processTypes">): Record<string, number> {
  const wanted: Record<string, number> = {};
  for (const type of Object.keys(model.processTypes)) {
    if (type === "release") continue;
    wanted[type] = model.formation[type] ?? (type === "web" ? 1 : 0);
  }
  return wanted;
}

export function desiredDynos(model: DesiredApp): DesiredDyno[] {
  const dynos: DesiredDyno[] = [];
  for (const [type, quantity] of Object.entries(quantities(model))) {
    const command = model.processTypes[type]!;
    const size = model.sizes[type] ?? DEFAULT_DYNO_SIZE;
    const generation = model.generations[type] ?? 0;
    for (let index = 1; index <= quantity; index++) {
      dynos.push({
        app: model.app,
        appId: model.appId,
        release: model.release,
        type,
        index,
        command,
        env: model.config,
        slugChecksum: model.slugChecksum,
        size,
        generation,
      });
    }
  }
  return dynos;
}

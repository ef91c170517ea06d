// The desired model's dynos, from an app's current release and formation (platform/db's
// DesiredApp). Pure: the dyno manager and the API's plan read the same slots.
import type { DesiredApp } from "../db/index.ts";
import { DEFAULT_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { DesiredDyno } from "./model.ts";

export function desiredDynos(model: DesiredApp): DesiredDyno[] {
  const dynos: DesiredDyno[] = [];
  for (const [type, quantity] of Object.entries(model.formation)) {
    const command = model.processTypes[type];
    if (command === undefined) continue;
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

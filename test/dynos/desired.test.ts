// The desired model's slots (pure): a deploying release brings its web dynos only, and the other
// process types run on from the current release until it succeeds.
import { describe, expect, it } from "vitest";
import type { DesiredApp } from "../../platform/db/index.ts";
import { desiredDynos } from "../../platform/dynos/desired.ts";

const model = (over: Partial<DesiredApp> = {}): DesiredApp => ({
  appId: "a1",
  app: "shop",
  release: 3,
  releaseId: "r3",
  releaseStatus: "succeeded",
  slugChecksum: "SHA256:new",
  processTypes: { web: "node web.js", worker: "node worker.js", release: "migrate" },
  config: { V: "3" },
  formation: { web: 2, worker: 1 },
  sizes: { web: "standard-2X" },
  generations: { worker: 4 },
  strategy: { name: "preboot", batch: 1 },
  ...over,
});
const slots = (m: DesiredApp) => desiredDynos(m).map((d) => `${d.type}.${d.index} v${d.release} ${d.size} g${d.generation} ${d.slugChecksum} V=${d.env.V}`);

describe("desiredDynos", () => {
  it("a succeeded release: every type of the formation, with sizes and generations; never `release`", () => {
    expect(slots(model())).toEqual([
      "web.1 v3 standard-2X g0 SHA256:new V=3",
      "web.2 v3 standard-2X g0 SHA256:new V=3",
      "worker.1 v3 standard-1X g4 SHA256:new V=3",
    ]);
  });

  it("a deploying release: its web dynos, while the other types run the current release", () => {
    const current = { release: 2, slugChecksum: "SHA256:old", processTypes: { web: "node web.js", worker: "node worker.js", clock: "node clock.js" }, config: { V: "2" } };
    const deploying = model({ releaseStatus: "deploying", processTypes: { web: "node web.js", worker: "node worker.js", cron: "x" }, current, formation: { web: 2, worker: 1, clock: 1 } });
    expect(slots(deploying)).toEqual([
      "worker.1 v2 standard-1X g4 SHA256:old V=2",
      "clock.1 v2 standard-1X g0 SHA256:old V=2",
      "web.1 v3 standard-2X g0 SHA256:new V=3",
      "web.2 v3 standard-2X g0 SHA256:new V=3",
    ]);
  });

  it("a first deploy (nothing current): one web dyno before the formation has a row for it", () => {
    expect(slots(model({ releaseStatus: "deploying", formation: {}, sizes: {}, generations: {} }))).toEqual(["web.1 v3 standard-1X g0 SHA256:new V=3"]);
  });
});

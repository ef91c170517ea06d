export { createDynoManager, type DynoManager } from "./manager.ts";
export { diffFormation } from "./diff.ts";
export { planChanges } from "./plan.ts";
export type * from "./model.ts";
export { BUILD_NETWORK, ensureBuildNetwork } from "./build-network.ts";

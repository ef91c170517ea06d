export { type Actor, type AddonService, type AddonServiceDeps, createAddonService } from "./service.ts";
export { ADDON_SERVICES, type AddonServiceSpec, attachmentName, attachmentVars, parsePlan } from "./services.ts";

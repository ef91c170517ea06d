export * from "./service.ts";
export * from "./events.ts";

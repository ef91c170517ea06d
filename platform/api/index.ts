export { createApi } from "./app.ts";
export type { ApiContext, ApiDeps } from "./context.ts";

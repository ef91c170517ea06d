export { createApi } from "./app.ts";
export type { ApiContext, ApiDeps } from "./context.ts";
export { createRoutingPublisher, type RoutingPublisher } from "./routing.ts";

export { createApi } from "./app.ts";
export type { ApiContext, ApiDeps } from "./context.ts";
export { createRoutingPublisher, type RoutingPublisher, routingKeys } from "./routing.ts";

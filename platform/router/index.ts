export { createProxy, appFromHost } from "./proxy.ts";
export { createRouteTable, type RouteTable, announceApps, resetApps, ROUTES_KEY, ROUTES_CHANNEL } from "./table.ts";

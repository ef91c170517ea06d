export { createProxy, appFromHost } from "./proxy.ts";
export { createRouteTable, type RouteTable, APPS_KEY, APPS_CHANNEL, ROUTES_KEY, ROUTES_CHANNEL } from "./table.ts";

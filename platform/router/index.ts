export { createProxy, appFromHost } from "./proxy.ts";
export { createRouteTable, type RouteTable, announceApps, resetApps, routeKeys, type RouteKeys } from "./table.ts";

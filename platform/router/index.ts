export { createProxy, createDynoPool, type ProxyOptions, type ProxyServer } from "./proxy.ts";
export { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type ProxyLimits, type ProxyTimeouts } from "./options.ts";
export { createRouteTable, type RouteTable, announceApps, resetApps, routeKeys, type RouteKeys } from "./table.ts";
export { formatRouteEntries, parseRouteEntries, type RouteEntry } from "./route-entries.ts";
export { followRouteChanges } from "./follow.ts";
export { createRouterLog, formatRouterLine, ROUTER_SOURCE, type RouterLog } from "./access-log.ts";
export { ensureDefaultCertificate, defaultCertFile } from "./default-cert.ts";

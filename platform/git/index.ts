export { gitRoutes } from "./smart-http.ts";
export { hookRoutes } from "./hook-routes.ts";
export { ensureRepo, repoPath } from "./repos.ts";

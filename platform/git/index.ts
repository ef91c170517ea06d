export { gitRoutes } from "./smart-http.ts";
export { hookRoutes } from "./hook-routes.ts";
export { ensureRepo, repoPath, repoSize } from "./repos.ts";

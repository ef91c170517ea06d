// The dashboard's web dyno: `web: node apps/dashboard/main.ts`.
import { requiredEnv } from "../../platform/lib/required-env.ts";
import { createDashboard } from "./server.ts";

const port = Number(requiredEnv("dashboard", "PORT"));
const dashboard = createDashboard({ apiUrl: requiredEnv("dashboard", "OURO_API_URL"), secret: requiredEnv("dashboard", "OURO_DASHBOARD_SECRET") });
const server = dashboard.listen(port, () => console.log(`dashboard: listening on ${port}`));

// The dyno manager sends SIGTERM, then SIGKILL 30 s later: the open streams (a log tail) end then.
process.once("SIGTERM", () => {
  console.log("dashboard: SIGTERM, closing");
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
});

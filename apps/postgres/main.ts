// The postgres provider's web dyno: `web: node apps/postgres/main.ts`.
import pg from "pg";
import { createPostgresProvider } from "./provider.ts";
import { serveProvider, serverOf } from "../../platform/lib/addon-provider.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";

const adminUrl = requiredEnv("postgres", "POSTGRES_ADMIN_URL");
const admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
admin.on("error", (error) => console.error(`postgres: admin connection: ${error.message}`));

serveProvider({
  name: "postgres",
  provider: createPostgresProvider({ admin, server: serverOf(adminUrl, 5432) }),
  secret: requiredEnv("postgres", "OURO_PROVIDER_SECRET"),
  port: Number(process.env.PORT ?? 5000),
  close: () => admin.end(),
});

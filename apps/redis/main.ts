// The redis provider's web dyno: `web: node apps/redis/main.ts`.
import { Redis } from "ioredis";
import { serveProvider, serverOf } from "../../platform/lib/addon-provider.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";
import { createRedisProvider } from "./provider.ts";

const adminUrl = requiredEnv("redis", "REDIS_ADMIN_URL");
// The admin user may not run INFO, which ioredis' ready check sends.
const admin = new Redis(adminUrl, { enableReadyCheck: false, maxRetriesPerRequest: 3 });
admin.on("error", (error) => console.error(`redis: admin connection: ${error.message}`));

serveProvider({
  name: "redis",
  provider: createRedisProvider({ admin, server: serverOf(adminUrl, 6379) }),
  secret: requiredEnv("redis", "OURO_PROVIDER_SECRET"),
  port: Number(process.env.PORT ?? 5000),
  close: async () => void (await admin.quit()),
});

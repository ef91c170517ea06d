// `npm run bootstrap`: from a fresh Debian machine with Node.js to a running
// platform with its builder deployed on itself. Idempotent: each step checks
// before it acts.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createApiKey, createPool, ensureUser, findUserByKey, migrate } from "../db/index.ts";
import { type Secrets, dataDirFrom, loadConfig, postgresUrl, redisUrl, repoRoot } from "../lib/config.ts";
import { startKernel } from "./kernel.ts";
import { bridgeGateway, ensureDocker, ensurePackages, ensurePostgres, ensureRedis } from "./services.ts";
import { has, run, step } from "./shell.ts";
import { ensureStackImage } from "./stack.ts";
import { ensureBuilder, waitForBuilder, writePrivate } from "./system-apps.ts";

const dataDir = dataDirFrom(process.env);
mkdirSync(join(dataDir, "logs"), { recursive: true });

ensurePackages();
await ensureDocker(join(dataDir, "logs"));
process.env.OURO_BRIDGE_HOST ??= bridgeGateway();

const secretsFile = join(dataDir, "secrets.json");
if (!existsSync(secretsFile)) {
  const secret = () => randomBytes(24).toString("hex");
  const secrets: Secrets = { tokenSecret: secret(), postgresPassword: secret(), redisPassword: secret(), builderRedisPassword: secret() };
  writePrivate(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
}
const registryFile = join(dataDir, "npm-registry");
if (!existsSync(registryFile)) writePrivate(registryFile, run("npm", ["config", "get", "registry"], { quiet: true }).trim());

const config = loadConfig();
await ensurePostgres(dataDir, config.postgresPort, config.secrets);
await ensureRedis(dataDir, config.redisPort, config.bridgeHost, config.secrets);

const db = createPool(postgresUrl(config));
const redis = new Redis(redisUrl(config));
try {
  const applied = await migrate(db);
  if (applied.length) step(`Applied migrations ${applied.join(", ")}`);

  const admin = await ensureUser(db, "admin@ouro.local");
  const keyFile = join(dataDir, "admin-api-key");
  const key = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "";
  if (!key || !(await findUserByKey(db, key))) {
    writePrivate(keyFile, `${await createApiKey(db, admin.id)}\n`);
    step("Created the admin API key (npx ouro auth:token prints it)");
  }

  ensureStackImage(config.stackImage, process.env.OURO_STACK_CA_BUNDLE ?? "/etc/ssl/certs/ca-certificates.crt");

  if (await startKernel({ repoRoot, dataDir, apiPort: config.apiPort })) step("Started the kernel (api, router, dynos)");

  await ensureBuilder({ config, db, redis, blobs: createBlobStore(join(dataDir, "blobs")) });
  step("Waiting for the builder's worker dyno");
  await waitForBuilder(db, redis);

  if (!has("ouro")) {
    run("npm", ["link", "--silent"], { quiet: true });
  }

  const api = `http://127.0.0.1:${config.apiPort}`;
  process.stdout.write(`
Ouro is up.
  API:     ${api}   (key: npx ouro auth:token)
  Router:  http://<app>.${config.domain}:${config.routerPort}
  Logs:    ${join(dataDir, "logs")}

Deploy a first app, from its git checkout:
  npx ouro apps:create hello
  npx ouro git:remote -a hello
  git push ouro main
  curl http://hello.${config.domain}:${config.routerPort}/
`);
} finally {
  await db.end();
  redis.disconnect();
}

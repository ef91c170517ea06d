// `npm run bootstrap`: from a fresh Debian machine with Node.js to a running
// platform with its builder deployed on itself. Idempotent: each step checks
// before it acts.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createApiKey, createPool, ensureUser, findApiKey, findUserByKey, isUsable, migrate, revokeApiKey } from "../db/index.ts";
import { SECRET_NAMES, type Secrets, dataDirFrom, hostApiUrl, loadConfig, postgresUrl, redisUrl, repoRoot } from "../lib/config.ts";
import { defaultCertFile, ensureDefaultCertificate } from "../router/index.ts";
import { ensureAddonDatastores } from "./addon-datastores.ts";
import { startKernel } from "./kernel.ts";
import { bridgeGateway, ensureDocker, ensurePackages, ensurePostgres, ensureRedis } from "./services.ts";
import { has, run, step } from "./shell.ts";
import { ensureStackImage } from "./stack.ts";
import { ensureBuilder, ensureSystemApp, scaleSystemApp, stage0Checksum, systemConfig, waitForDyno, writePrivate } from "./system-apps.ts";
import { pushSystemApp } from "./system-push.ts";
import { SYSTEM_EMAIL, presentSystemApps } from "./system-source.ts";
import { currentRelease, getApp } from "../db/index.ts";

const dataDir = dataDirFrom(process.env);
mkdirSync(join(dataDir, "logs"), { recursive: true });

ensurePackages();
await ensureDocker(join(dataDir, "logs"));
process.env.OURO_BRIDGE_HOST ??= bridgeGateway();

const secretsFile = join(dataDir, "secrets.json");
const secrets: Partial<Secrets> = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, "utf8")) : {};
const missing = SECRET_NAMES.filter((name) => !secrets[name]);
for (const name of missing) secrets[name] = randomBytes(24).toString("hex");
if (missing.length) writePrivate(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
const registryFile = join(dataDir, "npm-registry");
if (!existsSync(registryFile)) writePrivate(registryFile, run("npm", ["config", "get", "registry"], { quiet: true }).trim());

const config = loadConfig();
// The router's HTTPS certificate for names no app certificate covers: self-signed, made once.
ensureDefaultCertificate(dataDir, config.domain);
await ensurePostgres(dataDir, config.postgresPort, config.secrets);
await ensureRedis(dataDir, config.redisPort, config.bridgeHost, config.secrets);
await ensureAddonDatastores(config);

const db = createPool(postgresUrl(config));
const redis = new Redis(redisUrl(config));
try {
  const applied = await migrate(db);
  if (applied.length) step(`Applied migrations ${applied.join(", ")}`);

  const admin = await ensureUser(db, "admin@ouro.local", { admin: true });
  const keyFile = join(dataDir, "admin-api-key");
  const key = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "";
  if (!key || !(await findUserByKey(db, key))) {
    writePrivate(keyFile, `${await createApiKey(db, admin.id, { description: "admin (made by bootstrap)" })}\n`);
    step("Created the admin API key (npx ouro auth:token prints it)");
  }

  // The cron service calls the API with the system user's key of scope `cron` (read schedules,
  // start scheduled commands); a key of a wider scope an older Ouro made is revoked and replaced.
  const system = await ensureUser(db, SYSTEM_EMAIL, { admin: false });
  const systemKeyFile = join(dataDir, "system-api-key");
  const systemKey = existsSync(systemKeyFile) ? readFileSync(systemKeyFile, "utf8").trim() : "";
  const current = systemKey ? await findApiKey(db, systemKey) : undefined;
  if (!current || !isUsable(current) || current.scope.join() !== "cron") {
    if (current) await revokeApiKey(db, current.user_id, current.id);
    const key = await createApiKey(db, system.id, { description: "cron service: schedules and scheduler dynos", scope: ["cron"] });
    writePrivate(systemKeyFile, `${key}\n`);
  }

  ensureStackImage(config.stackImage, process.env.OURO_STACK_CA_BUNDLE ?? "/etc/ssl/certs/ca-certificates.crt");

  if (await startKernel({ repoRoot, dataDir, apiPort: config.apiPort })) step("Started the kernel (api, router, dynos)");

  await ensureBuilder({ config, db, redis, blobs: createBlobStore(join(dataDir, "blobs")) });
  step("Waiting for the builder's worker dyno");
  await waitForDyno(db, redis, "builder", "worker");

  // Stage 1: the builder's source, pushed like any app, built by the stage-0 builder.
  const apiUrl = hostApiUrl(config);
  const apiKey = readFileSync(keyFile, "utf8").trim();
  const output = (text: string) => process.stderr.write(text);
  const builder = await getApp(db, "builder");
  const fromStage0 = (await currentRelease(db, builder.id))?.description.startsWith("Stage 0") ?? false;
  if (fromStage0) step("Stage 1: pushing the builder's source to the platform, built by builder stage 0");
  const stage1 = await pushSystemApp({ repoRoot, name: "builder", apiUrl, apiKey, output, force: fromStage0 });
  const stage0 = await stage0Checksum(db, stage1.commit);
  step(`Builder stage 0 slug: ${stage0 ?? "(none for this source)"}`);
  step(`Builder stage 1 slug: ${stage1.checksum} (v${stage1.version})`);
  if (stage0 && stage0 !== stage1.checksum) {
    throw new Error(
      `FIXED POINT NOT REACHED: the builder built by itself (stage 1, ${stage1.checksum}) differs from the ` +
        `hand-compiled builder (stage 0, ${stage0}). Slug builds are not deterministic: compare the two slugs' file lists.`,
    );
  }
  if (stage0) step("Fixed point: stage 0 and stage 1 slugs are identical");
  await waitForDyno(db, redis, "builder", "worker");

  for (const name of presentSystemApps(repoRoot).filter((n) => n !== "builder")) {
    const app = await ensureSystemApp(db, redis, name, systemConfig(config, name, readFileSync(systemKeyFile, "utf8").trim()));
    const firstDeploy = !(await currentRelease(db, app.id))?.slug_id;
    const deployed = await pushSystemApp({ repoRoot, name, apiUrl, apiKey, output });
    // A first deploy gets the system app's own formation; later a scale by the operator stays.
    if (firstDeploy) await scaleSystemApp(db, redis, name);
    step(`System app ${name}: v${deployed.version} ${deployed.pushed ? "deployed" : "up to date"} (${deployed.checksum})`);
  }

  if (!has("ouro")) {
    run("npm", ["link", "--silent"], { quiet: true });
  }

  const api = hostApiUrl(config);
  process.stdout.write(`
Ouro is up.
  API:       ${api}   (key: npx ouro auth:token)
  Dashboard: http://dashboard.${config.domain}:${config.routerPort}/   (sign in with that key)
  Router:    http://<app>.${config.domain}:${config.routerPort}
             https://<app>.${config.domain}:${config.routerTlsPort}   (self-signed: ${defaultCertFile(dataDir, config.domain)})
  Logs:      ${join(dataDir, "logs")}

Deploy a first app, from its git checkout:
  npx ouro apps:create hello
  npx ouro git:remote -a hello
  git push ouro main
  curl -H "Host: hello.${config.domain}" http://127.0.0.1:${config.routerPort}/
`);
} finally {
  await db.end();
  redis.disconnect();
}

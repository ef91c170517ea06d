// The redis add-on: one ACL user per add-on, `addon_<short id>`, whose keys and channels are
// `addon:<short id>:*`. Commands that reach past a prefix (KEYS, SCAN, RANDOMKEY, FLUSHDB,
// FLUSHALL, SWAPDB, MIGRATE, ...) and the admin commands are denied.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { addonShortId, type Provider } from "../../platform/lib/addon-provider.ts";

export interface RedisProviderOptions {
  /** A connection as the admin user (ACL SETUSER/DELUSER/SAVE, SCAN and UNLINK on `addon:*`). */
  admin: Redis;
  /** Where the add-on's users reach the server (the admin URL's host and port). */
  server: { host: string; port: number };
}

export const addonUserName = (addonId: string) => `addon_${addonShortId(addonId)}`;
export const addonKeyPrefix = (addonId: string) => `addon:${addonShortId(addonId)}:`;

/** The ACL rules after the user's name: everything an app needs, inside its own prefix. */
export function addonAclRules(prefix: string, password: string): string[] {
  return [
    "reset", "on", `>${password}`, `~${prefix}*`, `&${prefix}*`,
    "+@all", "-@admin", "-@dangerous", "+info", "-scan", "-randomkey",
  ];
}

export function createRedisProvider(options: RedisProviderOptions): Provider {
  const { admin, server } = options;
  return {
    async provision({ addonId }) {
      const user = addonUserName(addonId);
      const prefix = addonKeyPrefix(addonId);
      const password = randomBytes(24).toString("hex");
      // `reset` first: a repeated provision replaces the user rather than adding a second password.
      await admin.call("ACL", "SETUSER", user, ...addonAclRules(prefix, password));
      await saveAcl(admin);
      return {
        REDIS_URL: `redis://${user}:${password}@${server.host}:${server.port}`,
        REDIS_KEY_PREFIX: prefix,
      };
    },

    async deprovision(addonId) {
      // DELUSER also disconnects the user's clients.
      await admin.call("ACL", "DELUSER", addonUserName(addonId));
      await saveAcl(admin);
      const match = `${addonKeyPrefix(addonId)}*`;
      let cursor = "0";
      do {
        const [next, keys] = await admin.scan(cursor, "MATCH", match, "COUNT", 500);
        if (keys.length) await admin.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    },
  };
}

/** Users live in the server's aclfile, so an add-on survives a Redis restart. */
async function saveAcl(admin: Redis): Promise<void> {
  await admin.call("ACL", "SAVE");
}

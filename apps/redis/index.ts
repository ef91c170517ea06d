export { addonAclRules, addonKeyPrefix, addonUserName, createRedisProvider, type RedisProviderOptions } from "./provider.ts";
export { adminAclRules } from "./admin-rights.ts";

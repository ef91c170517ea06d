export { addonAclRules, addonKeyPrefix, addonUserName, createRedisProvider, type RedisProviderOptions } from "./provider.ts";

export { addonDatabaseName, createPostgresProvider, type PostgresProviderOptions } from "./provider.ts";
export {
  ADDON_CONNECTION_LIMIT,
  ADDON_ROLE_PATTERN,
  ROLE_FUNCTIONS_OWNER,
  ROLE_FUNCTIONS_SCHEMA,
  roleFunctionsSql,
} from "./role-functions.ts";
export {
  addonShortId,
  createProviderHandler,
  parseProvisionRequest,
  type Provider,
  ProviderError,
  type ProvisionRequest,
} from "../../platform/lib/addon-provider.ts";

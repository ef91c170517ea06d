export { addonDatabaseName, createPostgresProvider, type PostgresProviderOptions } from "./provider.ts";
export {
  addonShortId,
  createProviderHandler,
  parseProvisionRequest,
  type Provider,
  ProviderError,
  type ProvisionRequest,
} from "./provider-http.ts";

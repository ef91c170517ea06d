export { addonDatabaseName, createPostgresProvider, type PostgresProviderOptions } from "./provider.ts";
export {
  addonShortId,
  createProviderHandler,
  parseProvisionRequest,
  type Provider,
  ProviderError,
  type ProvisionRequest,
} from "../../platform/lib/addon-provider.ts";

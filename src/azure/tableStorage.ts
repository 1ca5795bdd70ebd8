import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import type { StorageConfig } from "../config/storage.js";
import { READ_RETRY_OPTIONS } from "../core/callContext.js";

/** Plain http is allowed only for a storage emulator on a loopback address. */
function isLoopbackHttp(connectionString: string): boolean {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (!endpoint) return /UseDevelopmentStorage=true/i.test(connectionString);
  const u = new URL(endpoint);
  return u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost");
}

/**
 * A client for one table of the Function App's storage: identity-based in Azure (the monitor's
 * managed identity holds Storage Table Data Contributor), a connection string locally.
 */
export function createTableClient(storage: StorageConfig, credential: TokenCredential, tableName: string): TableClient {
  if (storage.kind === "identity")
    return new TableClient(storage.tableServiceUri, tableName, credential, { retryOptions: READ_RETRY_OPTIONS });
  return TableClient.fromConnectionString(storage.connectionString, tableName, {
    allowInsecureConnection: isLoopbackHttp(storage.connectionString),
    retryOptions: READ_RETRY_OPTIONS,
  });
}

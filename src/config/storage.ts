import type { SettingReader } from "./settingReader.js";

/**
 * The Function App's own storage account (AzureWebJobsStorage), where the monitor keeps its
 * state in Table storage: a connection string locally (Azurite), identity-based in Azure
 * (`AzureWebJobsStorage__tableServiceUri` or `__accountName`, with the managed identity).
 */
export type StorageConfig =
  { kind: "connectionString"; connectionString: string } | { kind: "identity"; tableServiceUri: string };

export function parseStorage(r: SettingReader): StorageConfig | undefined {
  const cs = r.raw("AzureWebJobsStorage");
  if (cs !== undefined) {
    if (cs === "UseDevelopmentStorage=true" || /AccountName=[^;]+/i.test(cs) || /TableEndpoint=[^;]+/i.test(cs))
      return { kind: "connectionString", connectionString: cs };
    r.fail(
      "AzureWebJobsStorage",
      "not a storage connection string (expected AccountName=…;AccountKey=… or UseDevelopmentStorage=true)",
    );
    return undefined;
  }
  const uri = r.raw("AzureWebJobsStorage__tableServiceUri");
  if (uri !== undefined) {
    const u = r.httpsUrl("AzureWebJobsStorage__tableServiceUri", uri);
    return u === undefined ? undefined : { kind: "identity", tableServiceUri: u };
  }
  const account = r.raw("AzureWebJobsStorage__accountName");
  if (account !== undefined) {
    if (!/^[a-z0-9]{3,24}$/.test(account)) {
      r.fail("AzureWebJobsStorage__accountName", "not a storage account name (3–24 lower-case letters and digits)");
      return undefined;
    }
    return { kind: "identity", tableServiceUri: `https://${account}.table.core.windows.net` };
  }
  return undefined;
}

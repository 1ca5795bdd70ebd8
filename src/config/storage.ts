import { SettingReader } from "./settingReader.js";

/**
 * The Function App's own storage account (AzureWebJobsStorage), where the monitor keeps its
 * state in Table storage: a connection string locally (Azurite), identity-based in Azure
 * (`AzureWebJobsStorage__tableServiceUri` or `__accountName`, with the managed identity).
 */
export type StorageConfig =
  | { kind: "connectionString"; connectionString: string }
  | {
      kind: "identity";
      tableServiceUri: string;
      /**
       * The Queue service, where checks of several connectors are handed out one per message
       * (`AzureWebJobsStorage__queueServiceUri`, else from the account name or the table URI).
       */
      queueServiceUri?: string;
    };

export function parseStorage(r: SettingReader): StorageConfig | undefined {
  const cs = r.raw("AzureWebJobsStorage");
  if (cs !== undefined) {
    if (cs === "UseDevelopmentStorage=true" || /AccountName=[^;]+/i.test(cs) || /TableEndpoint=[^;]+/i.test(cs)) {
      const plain = plainHttpHost(cs);
      if (plain !== undefined) {
        r.fail(
          "AzureWebJobsStorage",
          `plain http to ${plain}: the account key signs every request, so only https (or http to a loopback emulator such as Azurite) is accepted`,
        );
        return undefined;
      }
      return { kind: "connectionString", connectionString: cs };
    }
    r.fail(
      "AzureWebJobsStorage",
      "not a storage connection string (expected AccountName=…;AccountKey=… or UseDevelopmentStorage=true)",
    );
    return undefined;
  }
  const queueRaw = r.raw("AzureWebJobsStorage__queueServiceUri");
  const queue = queueRaw === undefined ? undefined : r.httpsUrl("AzureWebJobsStorage__queueServiceUri", queueRaw);
  const uri = r.raw("AzureWebJobsStorage__tableServiceUri");
  if (uri !== undefined) {
    const u = r.httpsUrl("AzureWebJobsStorage__tableServiceUri", uri);
    if (u === undefined) return undefined;
    const derived = queue ?? queueFromTable(u);
    return { kind: "identity", tableServiceUri: u, ...(derived ? { queueServiceUri: derived } : {}) };
  }
  const account = r.raw("AzureWebJobsStorage__accountName");
  if (account !== undefined) {
    if (!/^[a-z0-9]{3,24}$/.test(account)) {
      r.fail("AzureWebJobsStorage__accountName", "not a storage account name (3–24 lower-case letters and digits)");
      return undefined;
    }
    return {
      kind: "identity",
      tableServiceUri: `https://${account}.table.core.windows.net`,
      queueServiceUri: queue ?? `https://${account}.queue.core.windows.net`,
    };
  }
  return undefined;
}

/** `https://<account>.table.<suffix>` → `https://<account>.queue.<suffix>`; another shape: none. */
function queueFromTable(tableUri: string): string | undefined {
  const u = new URL(tableUri);
  const m = /^([a-z0-9]{3,24})\.table\.(.+)$/i.exec(u.hostname);
  return m ? `https://${m[1]}.queue.${m[2]}` : undefined;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * The first non-loopback host a connection string would reach over plain http: an explicit
 * `*Endpoint=http://…`, or `DefaultEndpointsProtocol=http` for an account's own endpoints
 * (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string).
 */
function plainHttpHost(cs: string): string | undefined {
  const parts = new Map<string, string>();
  for (const kv of cs.split(";")) {
    const i = kv.indexOf("=");
    if (i > 0) parts.set(kv.slice(0, i).trim().toLowerCase(), kv.slice(i + 1).trim());
  }
  for (const [k, v] of parts) {
    if (!k.endsWith("endpoint") || !/^http:/i.test(v)) continue;
    let host: string;
    try {
      host = new URL(v).hostname.toLowerCase();
    } catch {
      return v;
    }
    if (!LOOPBACK.has(host)) return host;
  }
  const account = parts.get("accountname");
  // the monitor itself reads Table storage: its endpoint is derived from the account when not given
  if (
    /^http$/i.test(parts.get("defaultendpointsprotocol") ?? "") &&
    account !== undefined &&
    !parts.has("tableendpoint")
  )
    return `${account}.table.${parts.get("endpointsuffix") ?? "core.windows.net"}`;
  return undefined;
}

/** The storage settings alone, for the check queue: undefined when unset or not usable. */
export function storageOf(env: Record<string, string | undefined>): StorageConfig | undefined {
  const r = new SettingReader(env, () => undefined);
  const s = parseStorage(r);
  return r.problems.length ? undefined : s;
}

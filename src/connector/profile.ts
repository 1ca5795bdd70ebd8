import type { Column } from "./types.js";

/**
 * The Keeper connector as the Microsoft Sentinel solution (Keeper Security 3.0.2) deploys it:
 * the stream Keeper posts, the transform, and the table it lands in.
 */
export interface ConnectorProfile {
  streamName: string;
  tableName: string;
  /** The DCR's output stream for the table. */
  outputStream: string;
  streamColumns: Column[];
  tableColumns: Column[];
  transformKql: string;
  tablePlan: string;
  /** Monitoring Metrics Publisher: the only built-in role that grants Logs Ingestion. */
  ingestionRoleGuid: string;
}

/** The Keeper Security solution's names (defaults: a deployment by hand may use others). */
export const DCR_NAME = "KeeperSecurityEventLogs_DCR";
export const STREAM_NAME = "Custom-KeeperSecurityEventNewLogs";
export const TABLE_NAME = "KeeperSecurityEventNewLogs_CL";

export const MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb";

/** Built-in roles people assign by mistake; none of them grants ingestion. */
export const KNOWN_ROLES: Record<string, string> = {
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
  "92aaf0da-9dab-42b6-94a3-d43ce8d16293": "Log Analytics Contributor",
  "73c42c96-874c-492b-b04d-ab87d138a893": "Log Analytics Reader",
  "43d0d8ad-25c7-4714-9337-8ba259a9fe05": "Monitoring Reader",
  "749f88d5-cbae-40b8-bcfc-e573ddc772fa": "Monitoring Contributor",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "ab8e14d6-4a74-4a29-9ba8-549422addade": "Microsoft Sentinel Contributor",
};

export function keeperProfile(streamName: string, tableName: string): ConnectorProfile {
  return {
    streamName,
    tableName,
    outputStream: `Custom-${tableName}`,
    streamColumns: [
      { name: "TimeGenerated", type: "datetime" },
      { name: "audit_event", type: "string" },
      { name: "remote_address", type: "string" },
      { name: "category", type: "string" },
      { name: "client_version", type: "string" },
      { name: "enterprise_id", type: "int" },
      { name: "username", type: "string" },
      { name: "timestamp", type: "datetime" },
      { name: "data", type: "dynamic" },
    ],
    tableColumns: [
      { name: "TimeGenerated", type: "datetime" },
      { name: "AuditEvent", type: "string" },
      { name: "RemoteAddress", type: "string" },
      { name: "Category", type: "string" },
      { name: "ClientVersion", type: "string" },
      { name: "EnterpriseId", type: "int" },
      { name: "Username", type: "string" },
      { name: "Timestamp", type: "datetime" },
      { name: "Data", type: "dynamic" },
    ],
    transformKql:
      "source | extend TimeGenerated = now() | project-rename AuditEvent = audit_event, RemoteAddress = remote_address, Category = category, ClientVersion = client_version, EnterpriseId = enterprise_id, Username = username, Timestamp = timestamp, Data = data",
    tablePlan: "Analytics",
    ingestionRoleGuid: MONITORING_METRICS_PUBLISHER,
  };
}

/** Type names differ in case between DCR stream declarations and table schemas (datetime/dateTime). */
export function normalizeType(type: string): string {
  const t = type.trim().toLowerCase();
  if (t === "boolean") return "bool";
  if (t === "double") return "real";
  return t;
}

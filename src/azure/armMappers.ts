import type { DataCollectionEndpointResource, DataCollectionRuleResource } from "@azure/arm-monitor";
import type { Table as SdkTable, Workspace as SdkWorkspace } from "@azure/arm-operationalinsights";
import type { RoleAssignment as SdkRoleAssignment } from "@azure/arm-authorization";
import { normalizeType } from "../connector/profile.js";
import type { Column, Dce, Dcr, RoleAssignment, Table, Workspace } from "../connector/types.js";
import { MalformedReplyError } from "./errors.js";

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new MalformedReplyError(`${what} is missing or not a string`);
  return v;
}
const optStr = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function toColumns(cols: unknown, what: string): Column[] {
  if (cols === undefined || cols === null) return [];
  if (!Array.isArray(cols)) throw new MalformedReplyError(`${what} is not an array`);
  return cols.map((c: unknown, i) => {
    const col = c as { name?: unknown; type?: unknown };
    return { name: str(col?.name, `${what}[${i}].name`), type: normalizeType(str(col?.type, `${what}[${i}].type`)) };
  });
}

export function toDcr(r: DataCollectionRuleResource): Dcr {
  const streamDeclarations: Record<string, Column[]> = {};
  for (const [name, decl] of Object.entries(r.streamDeclarations ?? {}))
    streamDeclarations[name] = toColumns(decl?.columns, `streamDeclarations.${name}.columns`);
  if (r.dataFlows !== undefined && !Array.isArray(r.dataFlows))
    throw new MalformedReplyError("dataFlows is not an array");
  return {
    id: str(r.id, "DCR id"),
    name: str(r.name, "DCR name"),
    immutableId: optStr(r.immutableId),
    dataCollectionEndpointId: optStr(r.dataCollectionEndpointId),
    streamDeclarations,
    logAnalyticsDestinations: (r.destinations?.logAnalytics ?? []).map((d) => ({
      name: optStr(d.name) ?? "",
      workspaceResourceId: optStr(d.workspaceResourceId),
    })),
    dataFlows: (r.dataFlows ?? []).map((f) => ({
      streams: [...(f.streams ?? [])].map(String),
      destinations: [...(f.destinations ?? [])],
      transformKql: optStr(f.transformKql),
      outputStream: optStr(f.outputStream),
    })),
    logsIngestionEndpoint: optStr(r.endpoints?.logsIngestion),
    provisioningState: optStr(r.provisioningState),
  };
}

export function toDce(r: DataCollectionEndpointResource): Dce {
  return {
    id: str(r.id, "DCE id"),
    name: str(r.name, "DCE name"),
    logsIngestionEndpoint: optStr(r.logsIngestion?.endpoint),
    publicNetworkAccess: optStr(r.networkAcls?.publicNetworkAccess),
    provisioningState: optStr(r.provisioningState),
  };
}

export function toWorkspace(w: SdkWorkspace): Workspace {
  return {
    id: str(w.id, "workspace id"),
    name: str(w.name, "workspace name"),
    customerId: str(w.customerId, "workspace customerId"),
    provisioningState: optStr(w.provisioningState),
  };
}

export function toTable(t: SdkTable): Table {
  return {
    id: optStr(t.id),
    name: optStr(t.schema?.name) ?? str(t.name, "table name"),
    plan: optStr(t.plan),
    columns: toColumns(t.schema?.columns, "schema.columns"),
    standardColumns: toColumns(t.schema?.standardColumns, "schema.standardColumns"),
    provisioningState: optStr(t.provisioningState),
  };
}

export function toRoleAssignment(a: SdkRoleAssignment): RoleAssignment {
  const roleDefinitionId = str(a.roleDefinitionId, "roleAssignment roleDefinitionId");
  const guid = roleDefinitionId.split("/").pop() ?? "";
  return {
    id: str(a.id, "roleAssignment id"),
    roleDefinitionGuid: guid.toLowerCase(),
    principalId: str(a.principalId, "roleAssignment principalId"),
    principalType: optStr(a.principalType),
    scope: str(a.scope, "roleAssignment scope"),
  };
}

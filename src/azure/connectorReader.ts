import type { Config } from "../config/loadConfig.js";
import type { ConnectorReader } from "../checks/collect.js";
import type { ArmAdapter } from "./arm.js";
import type { GraphAdapter } from "./graph.js";
import type { LogsAdapter } from "./logs.js";
import type { KeyVaultAdapter } from "./keyVault.js";
import type { CallContext } from "../core/callContext.js";

/** The Azure clients of one process, created once and reused by every run. */
export interface AzureAdapters {
  arm: ArmAdapter;
  graph: GraphAdapter;
  logs: LogsAdapter;
  vault: KeyVaultAdapter | undefined;
}

/** Binds the adapters to the connector's settings and one run's time limits. */
export function connectorReader(a: AzureAdapters, config: Config, ctx: CallContext): ConnectorReader {
  const k = config.keeper;
  const vault = a.vault;
  const kv = config.keyVault;
  return {
    getWorkspace: () => a.arm.getWorkspace(k.workspace, ctx),
    getTable: () => a.arm.getTable(k.workspace, k.tableName, ctx),
    getDcr: () => a.arm.getDcr(k.dcr, ctx),
    getDce: (id) => a.arm.getDce(id, ctx),
    getApplication: () => a.graph.getApplication(k.appId, ctx),
    getServicePrincipal: () => a.graph.getServicePrincipal(k.appId, ctx),
    listRoleAssignments: (principalId) => a.arm.listRoleAssignments(k.dcr.subscriptionId, k.dcr.id, principalId, ctx),
    // The workspace, not the resource group: the template grants the monitor read there only.
    listRoleAssignmentsNearby: (principalId) =>
      a.arm.listRoleAssignments(k.workspace.subscriptionId, k.workspace.id, principalId, ctx),
    getVaultSecret: vault && kv ? () => vault.currentVersion(kv.secretName, ctx) : undefined,
    readActivityLog: (scope, from, to) => a.arm.readActivityLog(scope, from, to, ctx),
    readDirectoryAudits: (objectId, from) => a.graph.readDirectoryAudits(objectId, from, ctx),
  };
}

import type { Observed } from "./expected.js";
import { notKnown, type Observation } from "../core/observation.js";
import type { ActivityLogRead, DirectoryAuditRead } from "./whoWhen.js";
import type {
  Application,
  Dce,
  Dcr,
  RoleAssignment,
  ServicePrincipal,
  Table,
  VaultSecretVersion,
  Workspace,
} from "../connector/types.js";

/** The reads one drift run needs; the Azure adapters implement it, tests may pass plain objects. */
export interface ConnectorReader {
  getWorkspace(): Promise<Observation<Workspace>>;
  getTable(): Promise<Observation<Table>>;
  getDcr(): Promise<Observation<Dcr>>;
  getDce(dceResourceId: string): Promise<Observation<Dce>>;
  getApplication(): Promise<Observation<Application>>;
  getServicePrincipal(): Promise<Observation<ServicePrincipal>>;
  /** Assignments that apply to the DCR (at it, or inherited from its resource group or subscription). */
  listRoleAssignments(principalObjectId: string): Promise<Observation<RoleAssignment[]>>;
  /**
   * Assignments at the workspace (and below it), read only when the DCR lacks the ingestion role, to
   * name a role granted there instead (e.g. Log Analytics Contributor). The monitor reads only where
   * its own roles let it; a refusal here just leaves the hint out.
   */
  listRoleAssignmentsNearby(principalObjectId: string): Promise<Observation<RoleAssignment[]>>;
  /** Undefined when no vault is configured. */
  getVaultSecret: (() => Promise<Observation<VaultSecretVersion>>) | undefined;
  /** The Azure Activity Log, for who and when of a drift problem (whoWhen.ts); read only on a problem. */
  readActivityLog?: ActivityLogRead;
  /** Entra audit records of a directory object (the Keeper app), for who changed its secrets; optional. */
  readDirectoryAudits?: DirectoryAuditRead;
}

/** Guards a read: a thrown error (a bug or an unexpected failure) becomes unknown, never a crash. */
async function safely<T>(what: string, read: () => Promise<Observation<T>>): Promise<Observation<T>> {
  try {
    return await read();
  } catch (e) {
    return notKnown(`unexpected error while trying to ${what}: ${e instanceof Error ? e.name : "error"}`);
  }
}

/**
 * Reads everything concurrently; only true dependencies wait (DCR → DCE, service principal → role
 * assignments), so the run takes about two round trips. Event freshness is the ingestion watch's
 * (a FindingProvider), not a drift read.
 */
export async function collect(reader: ConnectorReader, now: () => Date, ingestionRoleGuid: string): Promise<Observed> {
  const workspaceP = safely("read the workspace", () => reader.getWorkspace());
  const tableP = safely("read the table", () => reader.getTable());
  const dcrP = safely("read the DCR", () => reader.getDcr());
  const appP = safely("read the app", () => reader.getApplication());
  const spP = safely("read the service principal", () => reader.getServicePrincipal());
  const vaultP = reader.getVaultSecret ? safely("read the vault", reader.getVaultSecret) : undefined;

  const dceP = dcrP.then((dcr): Promise<Observation<Dce>> | undefined =>
    dcr.kind === "found" && dcr.value.dataCollectionEndpointId !== undefined
      ? safely("read the DCE", () => reader.getDce(dcr.value.dataCollectionEndpointId!))
      : undefined,
  );
  const rolesP = spP.then((sp): Promise<Observation<RoleAssignment[]>> =>
    sp.kind === "found"
      ? safely("read role assignments", () => reader.listRoleAssignments(sp.value.objectId))
      : Promise.resolve(notKnown("the Keeper app's service principal was not read")),
  );
  const nearbyP = Promise.all([spP, rolesP]).then(([sp, roles]): Promise<Observation<RoleAssignment[]>> | undefined =>
    sp.kind === "found" &&
    roles.kind === "found" &&
    !roles.value.some((a) => a.roleDefinitionGuid === ingestionRoleGuid)
      ? safely("read role assignments nearby", () => reader.listRoleAssignmentsNearby(sp.value.objectId))
      : undefined,
  );

  const [workspace, table, dcr, dce, app, servicePrincipal, roleAssignments, vaultSecret, nearby] = await Promise.all([
    workspaceP,
    tableP,
    dcrP,
    dceP,
    appP,
    spP,
    rolesP,
    vaultP,
    nearbyP,
  ]);
  return {
    now: now(),
    workspace,
    table,
    dcr,
    ...(dce === undefined ? {} : { dce }),
    app,
    servicePrincipal,
    roleAssignments,
    ...(nearby === undefined ? {} : { roleAssignmentsNearby: nearby }),
    ...(vaultSecret === undefined ? {} : { vaultSecret }),
  };
}

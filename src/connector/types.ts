/** Our own types for what the adapters read from Azure (never SDK types). */
export interface Column {
  name: string;
  /** Lower-cased type name: string, int, long, real, bool, datetime, dynamic, guid, timespan. */
  type: string;
}

export interface Workspace {
  id: string;
  name: string;
  customerId: string;
  provisioningState?: string;
}

export interface Table {
  id?: string;
  name: string;
  plan?: string;
  columns: Column[];
  /**
   * Columns every table has (TimeGenerated, TenantId, Type...): the official Tables examples list
   * TimeGenerated here, not under columns.
   */
  standardColumns?: Column[];
  provisioningState?: string;
}

export interface DcrDestination {
  name: string;
  workspaceResourceId?: string;
}

export interface DcrDataFlow {
  streams: string[];
  destinations: string[];
  transformKql?: string;
  outputStream?: string;
}

export interface Dcr {
  id: string;
  name: string;
  immutableId?: string;
  dataCollectionEndpointId?: string;
  streamDeclarations: Record<string, Column[]>;
  logAnalyticsDestinations: DcrDestination[];
  dataFlows: DcrDataFlow[];
  /** Endpoint of the DCR itself (kind Direct DCRs have one; ours use a DCE). */
  logsIngestionEndpoint?: string;
  provisioningState?: string;
}

export interface Dce {
  id: string;
  name: string;
  logsIngestionEndpoint?: string;
  publicNetworkAccess?: string;
  provisioningState?: string;
}

export interface RoleAssignment {
  id: string;
  /** The role definition GUID (last segment of roleDefinitionId), lower case. */
  roleDefinitionGuid: string;
  principalId: string;
  principalType?: string;
  scope: string;
}

export interface PasswordCredential {
  keyId: string;
  displayName?: string;
  startDateTime?: Date;
  endDateTime?: Date;
}

export interface Application {
  objectId: string;
  appId: string;
  displayName?: string;
  passwordCredentials: PasswordCredential[];
}

export interface ServicePrincipal {
  objectId: string;
  appId: string;
  displayName?: string;
  accountEnabled: boolean;
}

/** A Key Vault secret version's metadata. The value is never kept. */
export interface VaultSecretVersion {
  name: string;
  version?: string;
  enabled: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  createdOn?: Date;
  tags: Record<string, string>;
}

/**
 * One succeeded write or delete from the Azure Activity Log. `caller` and `appId` are Azure-side
 * text (whoever signed in): already made visible and bounded by the adapter.
 */
export interface ActivityEvent {
  /** operationName.value, e.g. Microsoft.Insights/dataCollectionRules/delete. */
  operation: string;
  action: "write" | "delete";
  /** The resource the event is about (a role assignment's own id for role changes). */
  resourceId: string;
  /** A user principal name, or an object id for a service principal. */
  caller?: string;
  /** claims.appid: the tool used (the Azure portal, Azure CLI, …). */
  appId?: string;
  at: Date;
}

/** What the Activity Log said: the events, a 403 (an optional source: a note, never a failure), or a failure. */
export type ActivityRead =
  { kind: "events"; events: ActivityEvent[] } | { kind: "forbidden" } | { kind: "failed"; reason: string };

/** Which events to read: one resource's, or a resource group's (role assignments below it). */
export type ActivityScope =
  { kind: "resource"; resourceId: string } | { kind: "resourceGroup"; subscriptionId: string; resourceGroup: string };

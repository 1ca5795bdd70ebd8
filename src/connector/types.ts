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

import type { ConnectorProfile } from "../connector/profile.js";
import type { Observation } from "../core/observation.js";
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

/** What the connector should look like: from the settings and the connector profile. */
export interface Expected {
  profile: ConnectorProfile;
  tenantId: string;
  appId: string;
  dcrId: string;
  dcrImmutableId: string;
  dceUri: string;
  workspaceId: string;
  keyVault?: { uri: string; secretName: string };
  secretWarnDays: number;
  secretCriticalDays: number;
  silenceThresholdMinutes: number;
}

/** What one run saw. Dependent reads that could not be made are `unknown` with the reason. */
export interface Observed {
  now: Date;
  workspace: Observation<Workspace>;
  table: Observation<Table>;
  dcr: Observation<Dcr>;
  /** Absent when the DCR has no DCE (a Direct DCR with its own endpoint) or was not readable. */
  dce?: Observation<Dce>;
  app: Observation<Application>;
  servicePrincipal: Observation<ServicePrincipal>;
  roleAssignments: Observation<RoleAssignment[]>;
  /** The principal's assignments at the workspace, when the DCR lacks the role (a hint only). */
  roleAssignmentsNearby?: Observation<RoleAssignment[]>;
  /** Absent when no vault is configured. */
  vaultSecret?: Observation<VaultSecretVersion>;
}

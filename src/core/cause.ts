/**
 * What a drift check found broken, as data: the piece of the connector and how it broke. A problem
 * finding that can stop Keeper's events carries one, so the ingestion diagnosis ranks causes from
 * these facts and never from a summary's wording. Internal: a Report leaves it out (see
 * withoutCause in finding.ts), its findings keep the public shape the README describes.
 */
export type Cause =
  /** workspace.exists: the Sentinel workspace is gone. */
  | { kind: "workspace-missing"; workspaceId: string }
  /** table.exists: the Keeper table is gone (with its workspace, or on its own). */
  | { kind: "table-missing"; table: string; withWorkspace: boolean }
  /** table.schema, critical: a Keeper column was removed or retyped (an extra column or plan is not a cause). */
  | { kind: "table-schema-changed"; table: string; changed: string[] }
  /** dcr.exists: the DCR is gone. */
  | { kind: "dcr-missing"; dcrId: string }
  /** dcr.immutableId: the DCR was re-created, Keeper posts to the old immutable id. */
  | { kind: "dcr-recreated"; expected: string; actual: string }
  /** dcr.stream: Keeper's input stream is no longer declared, or its columns changed. */
  | { kind: "dcr-stream-changed"; stream: string; changed: string[] }
  /** dcr.dataFlow: no data flow takes Keeper's stream. */
  | { kind: "dcr-flow-missing"; stream: string }
  /** dcr.dataFlow: the flow's destination, output stream or transform no longer fits. */
  | { kind: "dcr-flow-changed"; changed: string[] }
  /** dcr.dataFlow: the transform drops or alters Keeper's rows or columns. */
  | { kind: "transform-tampered"; rows: string[]; columns: string[]; unreadable: string[] }
  /** dce.exists: the DCE the DCR points at is gone, or the DCR has no endpoint at all. */
  | { kind: "dce-missing"; dceId?: string }
  /** dce.endpoint: the DCE's logs-ingestion URI is not the one Keeper posts to. */
  | { kind: "dce-endpoint-changed"; expected: string; actual: string }
  /**
   * role.assignment: the Keeper app's service principal does not hold the ingestion role on the DCR
   * (`principalId` absent when there is no service principal to hold it).
   */
  | { kind: "role-missing"; scope: string; principalId?: string; held: string[] }
  /** app.exists: the Keeper app registration is gone. */
  | { kind: "app-missing"; appId: string }
  /** app.servicePrincipal: the app has no service principal in the tenant. */
  | { kind: "sp-missing"; appId: string }
  /** app.servicePrincipal: the service principal is disabled. */
  | { kind: "sp-disabled"; appId: string }
  /**
   * secret.expiry: no client secret of the Keeper app is valid now (none at all, all expired, or no
   * app to hold one). `lastExpiredOn` is the latest end date among them, when there is one.
   */
  | { kind: "no-valid-secret"; credentials: number; lastExpiredOn?: string };

export type CauseKind = Cause["kind"];

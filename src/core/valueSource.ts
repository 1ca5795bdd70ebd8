/** The Keeper connector values a Report's `target.sources` accounts for. */
export type KeeperValue = "tenantId" | "appId" | "dcrId" | "dcrImmutableId" | "dceUri" | "streamName" | "tableName";

/**
 * Where a value came from: `setting` (set), `sentinel` (Sentinel's connector record, or the DCR it
 * names), `monitor` (the monitor's own identity: its token's tenant), `subscription` (the tenant
 * of the workspace's subscription, when it is not the monitor's: a customer's, under Azure
 * Lighthouse), `default` (the Keeper solution's default, e.g. its DCR name when the record's DCR
 * is gone).
 */
export type ValueSource = "setting" | "sentinel" | "monitor" | "subscription" | "default";

export type KeeperSources = Record<KeeperValue, ValueSource>;

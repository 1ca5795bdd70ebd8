/**
 * Values of the Keeper connector found at start-up instead of set: Sentinel's record of the Keeper
 * Push connector in the workspace (app id, DCR immutable id, DCE URI, stream), the DCR that holds
 * that immutable id (its resource id, its table), and the tenant of the workspace's subscription
 * (the monitor's own, or a customer's under Azure Lighthouse). A setting that is set always wins
 * over a found value.
 */
import type { KeeperValue, ValueSource } from "../core/valueSource.js";

export type { KeeperSources, KeeperValue, ValueSource } from "../core/valueSource.js";

/** The settings a workspace's connector record can stand in for. */
export const DISCOVERABLE_SETTINGS = [
  "KEEPER_TENANT_ID",
  "KEEPER_APP_ID",
  "KEEPER_DCR_RESOURCE_ID",
  "KEEPER_DCR_IMMUTABLE_ID",
  "KEEPER_DCE_URI",
  "KEEPER_STREAM_NAME",
  "KEEPER_TABLE_NAME",
] as const;
export type DiscoverableSetting = (typeof DISCOVERABLE_SETTINGS)[number];

/** The Config field each discoverable setting fills (the keys of a Report's `target.sources`). */
export const SOURCE_KEY: Readonly<Record<DiscoverableSetting, KeeperValue>> = {
  KEEPER_TENANT_ID: "tenantId",
  KEEPER_APP_ID: "appId",
  KEEPER_DCR_RESOURCE_ID: "dcrId",
  KEEPER_DCR_IMMUTABLE_ID: "dcrImmutableId",
  KEEPER_DCE_URI: "dceUri",
  KEEPER_STREAM_NAME: "streamName",
  KEEPER_TABLE_NAME: "tableName",
};

/** What discovery found: values by setting name, where each came from, and what people should know. */
export interface Discovered {
  values: Partial<Record<DiscoverableSetting, string>>;
  sources: Partial<Record<DiscoverableSetting, Exclude<ValueSource, "setting">>>;
  /** Sentinel's data connector the values came from (Azure-side text, already made visible). */
  connectorName?: string;
  /** e.g. several Keeper connectors (the first is used), the record's DCR not found. Visible text. */
  warnings: string[];
}

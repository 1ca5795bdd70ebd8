import type { TokenCredential } from "@azure/core-auth";
import { ConfigError, DiscoveryError, loadDiscoverySettings, type DiscoverySettings } from "../config/loadConfig.js";
import type { Discovered, DiscoverableSetting } from "../config/discovered.js";
import type { SettingProblem } from "../config/settingReader.js";
import { parseArmId } from "../core/armId.js";
import type { CallContext } from "../core/callContext.js";
import { statusOf } from "../core/httpStatus.js";
import type { Dcr } from "../connector/types.js";
import { DCR_NAME, TABLE_NAME } from "../connector/profile.js";
import { ArmAdapter } from "../azure/arm.js";
import { createCredential } from "../azure/credential.js";
import { errorCode, safeMessage } from "../azure/errors.js";
import { KEEPER_CONNECTOR_DEFINITION, SentinelAdapter, type KeeperConnectorRecord } from "../azure/sentinel.js";
import { SubscriptionReader } from "../azure/subscription.js";
import { rememberingPrincipal } from "../report/monitorPrincipal.js";
import { runContext } from "./runContext.js";

/** The role whose actions include reading Sentinel's data connectors (and the action itself). */
export const SENTINEL_READER = "Microsoft Sentinel Reader";
export const DATA_CONNECTORS_READ = "Microsoft.SecurityInsights/dataConnectors/read";

/** The settings that stand in for Sentinel's record, in the order people set them: those not set. */
function insteadOf(env: Record<string, string | undefined>): string {
  const unset = [
    "KEEPER_APP_ID",
    "KEEPER_DCR_RESOURCE_ID",
    "KEEPER_DCR_IMMUTABLE_ID",
    "KEEPER_DCE_URI",
    "KEEPER_TENANT_ID",
  ].filter((n) => !env[n]?.trim());
  const names = unset.length ? unset : ["KEEPER_TENANT_ID"];
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}

export interface DiscoverOptions {
  credential?: TokenCredential;
  /**
   * Each subscription's DCR list, shared by the lookups of one fleet (many workspaces of one
   * subscription list it once); a list that could not be read is asked again.
   */
  dcrLists?: DcrLists;
}

/** Each subscription's DCR list (by lower-case subscription id), as it is being read. */
export type DcrLists = Map<string, ReturnType<ArmAdapter["listDcrs"]>>;

/** What `discover` hands back: the values found, and the identity that looked (for messages). */
export interface DiscoveryResult extends Discovered {
  /** The workspace the record was read from. */
  workspaceId: string;
}

/**
 * Finds the Keeper connector's values from the workspace alone: Sentinel's record of the Keeper
 * Push connector (app id, DCR immutable id, DCE URI, stream), the DCR in the workspace's
 * subscription with that immutable id (its resource id, and its table from the data flow of that
 * stream), and the tenant of the workspace's subscription (the monitor's own, or a customer's under
 * Azure Lighthouse). Throws ConfigError for bad settings and
 * DiscoveryError (naming the settings to set instead) when the record cannot be read or used.
 */
export async function discover(
  env: Record<string, string | undefined>,
  options: DiscoverOptions = {},
): Promise<DiscoveryResult> {
  const [first] = await discoverAll(env, { ...options, one: true });
  return first!;
}

/**
 * The same for every Keeper connector in the workspace, one result each (at least one). With
 * `one`, only the first is looked up, and a warning says how many there were.
 */
export async function discoverAll(
  env: Record<string, string | undefined>,
  options: DiscoverOptions & { one?: boolean } = {},
): Promise<DiscoveryResult[]> {
  const settings = loadDiscoverySettings(env);
  try {
    const identity = rememberingPrincipal(options.credential ?? createCredential(settings));
    const credential = identity.credential as TokenCredential;
    const ctx = runContext(settings);
    // read alongside Sentinel's records: both need only the workspace
    const tenantRead = subscriptionTenant(new SubscriptionReader(credential, settings.cloud), settings, ctx);
    const records = await keeperRecords(
      new SentinelAdapter(credential, settings.cloud),
      settings,
      ctx,
      identity.principalId,
      insteadOf(env),
      options.one === true,
    );
    const arm = oneDcrListPerSubscription(
      new ArmAdapter(credential, settings.cloud),
      options.dcrLists ?? (new Map() as DcrLists),
    );
    const tenant = await tenantRead;
    return await Promise.all(
      records.map((r) => discoverWith(env, settings, arm, ctx, identity, tenant, r.use, r.warnings)),
    );
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // anything unforeseen (a credential that cannot be built, a client error) is a clear error too
    throw new DiscoveryError([
      {
        setting: "KEEPER_WORKSPACE_RESOURCE_ID",
        message: `could not look the Keeper connector up: ${safeMessage(e)}; or set ${insteadOf(env)}`,
      },
    ]);
  }
}

/** The adapter, listing each subscription's DCRs once for every connector that `lists` serves. */
function oneDcrListPerSubscription(arm: ArmAdapter, lists: DcrLists): ArmAdapter {
  const once = Object.create(arm) as ArmAdapter;
  once.listDcrs = (subscriptionId, ctx) => {
    const k = subscriptionId.toLowerCase();
    let list = lists.get(k);
    if (!list) {
      list = arm.listDcrs(subscriptionId, ctx);
      lists.set(k, list);
      // a list that could not be read (throttled, refused) is not kept for the next workspace
      list.then(
        (o) => o.kind === "found" || lists.delete(k),
        () => lists.delete(k),
      );
    }
    return list;
  };
  return once;
}

async function discoverWith(
  env: Record<string, string | undefined>,
  settings: DiscoverySettings,
  arm: ArmAdapter,
  ctx: CallContext,
  identity: ReturnType<typeof rememberingPrincipal>,
  tenant: { id?: string; warning?: string },
  use: KeeperConnectorRecord,
  recordWarnings: readonly string[],
): Promise<DiscoveryResult> {
  const record = { use, warnings: recordWarnings };
  const warnings = [...record.warnings];
  if (tenant.warning !== undefined) warnings.push(tenant.warning);
  const values: Discovered["values"] = {
    KEEPER_APP_ID: record.use.appId,
    KEEPER_DCR_IMMUTABLE_ID: record.use.dcrImmutableId,
    KEEPER_DCE_URI: record.use.dceUri,
    KEEPER_STREAM_NAME: record.use.streamName,
  };
  const sources: Discovered["sources"] = {
    KEEPER_APP_ID: "sentinel",
    KEEPER_DCR_IMMUTABLE_ID: "sentinel",
    KEEPER_DCE_URI: "sentinel",
    KEEPER_STREAM_NAME: "sentinel",
  };
  const set = (
    name: DiscoverableSetting,
    value: string,
    source: Exclude<Discovered["sources"][DiscoverableSetting], undefined>,
  ) => {
    values[name] = value;
    sources[name] = source;
  };

  const dcr = await keeperDcr(arm, settings, record.use.dcrImmutableId, !env["KEEPER_TABLE_NAME"]?.trim(), ctx);
  warnings.push(...dcr.warnings);
  if (settings.dcr === undefined) set("KEEPER_DCR_RESOURCE_ID", dcr.id, dcr.source);
  // the stream a setting names, else the record's: the table is the one its data flow writes
  const stream = env["KEEPER_STREAM_NAME"]?.trim() || record.use.streamName;
  const table = dcr.dcr ? tableOf(dcr.dcr, stream) : undefined;
  if (table !== undefined) set("KEEPER_TABLE_NAME", table, "sentinel");
  else if (dcr.dcr)
    warnings.push(
      `the DCR has no data flow from ${stream} to a Custom-…_CL table: the Keeper solution's table ${TABLE_NAME} is checked`,
    );

  // The tenant: the workspace subscription's. It is the monitor's own (its token names it, else
  // AZURE_TENANT_ID) unless the subscription is a customer's, delegated through Azure Lighthouse.
  const own = (identity.tenantId() ?? (env["AZURE_TENANT_ID"]?.trim() || undefined))?.toLowerCase();
  if (tenant.id !== undefined && tenant.id !== own) set("KEEPER_TENANT_ID", tenant.id, "subscription");
  else if (own !== undefined) set("KEEPER_TENANT_ID", own, "monitor");

  return { values, sources, connectorName: record.use.name, warnings, workspaceId: settings.workspace.id };
}

/**
 * The tenant of the workspace's subscription, read once for all its connectors. Unreadable: the
 * monitor's own tenant is assumed, and a warning says which setting to set if that is wrong.
 */
async function subscriptionTenant(
  reader: SubscriptionReader,
  settings: DiscoverySettings,
  ctx: CallContext,
): Promise<{ id?: string; warning?: string }> {
  const sub = settings.workspace.subscriptionId;
  try {
    return { id: await reader.tenantOf(sub, ctx) };
  } catch (e) {
    const status = statusOf(e);
    const why = status !== undefined ? `HTTP ${status} ${errorCode(e) ?? ""}`.trim() : safeMessage(e);
    return {
      warning: `could not read the tenant of subscription ${sub} (${why}): the monitor's own tenant is assumed; set KEEPER_TENANT_ID if the Keeper connector is in another tenant`,
    };
  }
}

async function keeperRecords(
  sentinel: SentinelAdapter,
  settings: DiscoverySettings,
  ctx: CallContext,
  principalId: () => string | undefined,
  instead: string,
  one: boolean,
): Promise<Array<{ use: KeeperConnectorRecord; warnings: string[] }>> {
  const ws = settings.workspace.id;
  let found: { records: KeeperConnectorRecord[]; malformed: string[] };
  try {
    found = await sentinel.keeperConnectors(settings.workspace, ctx);
  } catch (e) {
    throw new DiscoveryError([problemOf(e, ws, principalId(), instead)]);
  }
  const [first, ...more] = found.records;
  if (first === undefined) {
    const message = found.malformed.length
      ? `Sentinel's record of the Keeper connector cannot be used: ${found.malformed.slice(0, 3).join(" | ")}. Fix the connector in Sentinel (Data connectors → Keeper Security), or set ${instead}`
      : `no Keeper connector (kind Push, definition ${KEEPER_CONNECTOR_DEFINITION}) among Sentinel's data connectors of ${ws}: connect it in Sentinel (Content hub → Keeper Security → Data connectors), or set ${instead}`;
    throw new DiscoveryError([{ setting: "KEEPER_WORKSPACE_RESOURCE_ID", message }]);
  }
  const warnings: string[] = [];
  if (one && more.length)
    warnings.push(
      `${found.records.length} Keeper connectors in the workspace: only the first, ${first.name}, is checked (set the settings of another to check it)`,
    );
  if (found.malformed.length) warnings.push(`left out, malformed: ${found.malformed.slice(0, 3).join(" | ")}`);
  return (one ? [first] : found.records).map((use) => ({ use, warnings: [...warnings] }));
}

/** Why the record could not be read, as a setting problem with what to do instead. */
function problemOf(e: unknown, workspaceId: string, principalId: string | undefined, instead: string): SettingProblem {
  const status = statusOf(e);
  const who = principalId ? `the monitor's identity (principal id ${principalId})` : "the monitor's identity";
  const reason =
    status === 403
      ? `${who} may not read Sentinel's data connectors of ${workspaceId} (403 ${errorCode(e) ?? "Forbidden"}): grant it ${SENTINEL_READER} on the workspace (${DATA_CONNECTORS_READ} is the one action needed): az role assignment create --assignee-object-id ${principalId ?? "<the monitor's principal id>"} --assignee-principal-type ServicePrincipal --role "${SENTINEL_READER}" --scope ${workspaceId}`
      : status === 404
        ? `no Sentinel data connectors on ${workspaceId} (404 ${errorCode(e) ?? "NotFound"}): is Microsoft Sentinel on for this workspace?`
        : `could not read Sentinel's data connectors of ${workspaceId}: ${status !== undefined ? `HTTP ${status} ${errorCode(e) ?? ""}`.trim() : safeMessage(e)}`;
  return { setting: "KEEPER_WORKSPACE_RESOURCE_ID", message: `${reason}; or set ${instead}` };
}

/**
 * The DCR holding the record's immutable id, from the list of the workspace's subscription. When
 * the list shows none (deleted, or recreated with a new immutable id), the Keeper solution's DCR name
 * in the workspace's resource group is checked, so the checks report it gone or changed, as with
 * settings. When the list cannot be read, that DCR is read directly instead.
 */
async function keeperDcr(
  arm: ArmAdapter,
  settings: DiscoverySettings,
  immutableId: string,
  needTable: boolean,
  ctx: CallContext,
): Promise<{ id: string; source: "sentinel" | "default"; dcr?: Dcr; warnings: string[] }> {
  const ws = settings.workspace;
  const defaultId = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/${DCR_NAME}`;
  const matches = (d: Dcr) => d.immutableId?.toLowerCase() === immutableId.toLowerCase();
  if (settings.dcr !== undefined) {
    // the DCR is set: it is read only for its table, when that is not set either
    if (!needTable) return { id: settings.dcr.id, source: "sentinel", warnings: [] };
    const got = await arm.getDcr(settings.dcr, ctx);
    return {
      id: settings.dcr.id,
      source: "sentinel",
      ...(got.kind === "found" ? { dcr: got.value } : {}),
      warnings: [],
    };
  }
  const list = await arm.listDcrs(ws.subscriptionId, ctx);
  if (list.kind === "found") {
    const hit = list.value.find(matches);
    const hitId = hit && parseArmId(hit.id);
    if (hit && hitId) return { id: hitId.id, source: "sentinel", dcr: hit, warnings: [] };
    return {
      id: defaultId,
      source: "default",
      warnings: [
        `no DCR in subscription ${ws.subscriptionId} has the immutable id ${immutableId} Keeper's connector record holds: checking the Keeper solution's DCR ${DCR_NAME} in ${ws.resourceGroup} (set KEEPER_DCR_RESOURCE_ID if Keeper's DCR has another name)`,
      ],
    };
  }
  const listReason = list.kind === "unknown" ? list.reason : "not found";
  const id = parseArmId(defaultId)!;
  const got = await arm.getDcr(id, ctx);
  if (got.kind === "found")
    return matches(got.value)
      ? { id: defaultId, source: "sentinel", dcr: got.value, warnings: [] }
      : {
          id: defaultId,
          source: "default",
          dcr: got.value,
          warnings: [
            `could not list the subscription's DCRs (${listReason}); the Keeper solution's DCR ${DCR_NAME} holds another immutable id: set KEEPER_DCR_RESOURCE_ID if Keeper's DCR has another name`,
          ],
        };
  if (got.kind === "missing")
    return {
      id: defaultId,
      source: "default",
      warnings: [
        `could not list the subscription's DCRs (${listReason}) and the Keeper solution's DCR ${DCR_NAME} is not in ${ws.resourceGroup}: set KEEPER_DCR_RESOURCE_ID if Keeper's DCR has another name`,
      ],
    };
  throw new DiscoveryError([
    {
      setting: "KEEPER_DCR_RESOURCE_ID",
      message: `could not find the DCR with immutable id ${immutableId}: listing the subscription's DCRs: ${listReason}; reading ${DCR_NAME}: ${got.reason}. Set KEEPER_DCR_RESOURCE_ID, or grant the monitor's identity Monitoring Reader on the DCR`,
    },
  ]);
}

/** The table of the DCR's data flow from `stream` (its output stream Custom-<table>), when it is one. */
export function tableOf(dcr: Dcr, stream: string): string | undefined {
  const flow = dcr.dataFlows.find((f) => f.streams.some((s) => s.toLowerCase() === stream.toLowerCase()));
  const out = flow?.outputStream;
  if (out === undefined) return undefined;
  const m = /^Custom-([A-Za-z][A-Za-z0-9_]{0,200}_CL)$/.exec(out);
  return m?.[1];
}

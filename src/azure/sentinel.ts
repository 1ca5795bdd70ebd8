import type { TokenCredential } from "@azure/core-auth";
import { RestError } from "@azure/core-rest-pipeline";
import { ArmGet } from "./armGet.js";
import type { CloudProfile } from "../config/clouds.js";
import type { ArmId } from "../core/armId.js";
import type { CallContext } from "../core/callContext.js";
import { visible } from "../core/safeText.js";
import { MalformedReplyError } from "./errors.js";
import { isDcrImmutableId, isGuid } from "../core/ids.js";

/** The Sentinel API version whose dataConnectors carry kind Push (the Keeper solution's record uses it). */
export const DATA_CONNECTORS_API_VERSION = "2023-02-01-preview";
/** The connector definition the Keeper Security solution's Push connector instances name. */
export const KEEPER_CONNECTOR_DEFINITION = "KeeperSecurityPush2";
/** At most this many pages of data connectors are read (a workspace holds a few dozen connectors). */
export const MAX_CONNECTOR_PAGES = 10;

/**
 * What Sentinel's record of one Keeper Push connector says Keeper was configured with. Shape from
 * the Keeper solution (Azure/Azure-Sentinel, Solutions/Keeper Security/Data Connectors/
 * KeeperSecurity_ccp/KepperSecurity_poller.json): `kind: "Push"`,
 * `properties.connectorDefinitionName`, `properties.auth.{AppId, ServicePrincipalId}` (PascalCase)
 * and `properties.dcrConfig.{streamName, dataCollectionEndpoint, dataCollectionRuleImmutableId}`.
 */
export interface KeeperConnectorRecord {
  /** The data connector's name (shown to people: already made visible and bounded). */
  name: string;
  appId: string;
  servicePrincipalId?: string;
  dcrImmutableId: string;
  /** The logs-ingestion origin, https://<host>, without a trailing slash. */
  dceUri: string;
  streamName: string;
}

/** The Keeper connectors of one page, the Keeper records that could not be used, and the next page. */
export interface ConnectorPage {
  records: KeeperConnectorRecord[];
  /** One line per Keeper record with a missing or unusable field (Azure-side text made visible). */
  malformed: string[];
  nextLink?: string;
}

const STREAM = /^Custom-[A-Za-z0-9_]{1,200}$/;

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
/** A field read case-insensitively (the record's own spelling is PascalCase for auth, camelCase elsewhere). */
function field(o: Record<string, unknown> | undefined, name: string): unknown {
  if (!o) return undefined;
  if (name in o) return o[name];
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}
/** Azure-side text in a message: quoted, bounded, control characters made visible. */
const shown = (v: unknown): string =>
  typeof v === "string" ? `"${visible(v, 80)}"` : v === undefined ? "absent" : typeof v;

/** The logs-ingestion origin of a record's dataCollectionEndpoint, or undefined when it is not one. */
function dceOrigin(v: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (typeof v !== "string" || v.length > 2048 || /[\s\u0000-\u001f\u007f]/.test(v)) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:" || u.username || u.password || u.search || u.hash || u.pathname !== "/") return undefined;
  return u.origin;
}

/**
 * The Keeper connectors (kind Push, definition KeeperSecurityPush2) of one page of
 * `GET {workspace}/providers/Microsoft.SecurityInsights/dataConnectors`. Pure; every other
 * connector is ignored. Throws MalformedReplyError when the page itself is not a list.
 */
export function toConnectorPage(body: unknown): ConnectorPage {
  const b = obj(body);
  const value = b?.["value"];
  if (!b || !Array.isArray(value)) throw new MalformedReplyError("data connectors: value is not an array");
  const records: KeeperConnectorRecord[] = [];
  const malformed: string[] = [];
  for (const item of value) {
    const c = obj(item);
    const props = obj(c?.["properties"]);
    if (typeof c?.["kind"] !== "string" || c["kind"].toLowerCase() !== "push") continue;
    if (field(props, "connectorDefinitionName") !== KEEPER_CONNECTOR_DEFINITION) continue;
    const name = typeof c["name"] === "string" && c["name"] !== "" ? visible(c["name"], 200) : "(no name)";
    const auth = obj(field(props, "auth"));
    const dcrConfig = obj(field(props, "dcrConfig"));
    const appId = field(auth, "AppId");
    const spId = field(auth, "ServicePrincipalId");
    const immutableId = field(dcrConfig, "dataCollectionRuleImmutableId");
    const endpoint = field(dcrConfig, "dataCollectionEndpoint");
    const stream = field(dcrConfig, "streamName");
    const dceUri = dceOrigin(endpoint);
    const bad: string[] = [];
    if (typeof appId !== "string" || !isGuid(appId)) bad.push(`properties.auth.AppId is not a GUID (${shown(appId)})`);
    if (typeof immutableId !== "string" || !isDcrImmutableId(immutableId))
      bad.push(`properties.dcrConfig.dataCollectionRuleImmutableId is not a DCR immutable id (${shown(immutableId)})`);
    if (dceUri === undefined)
      bad.push(`properties.dcrConfig.dataCollectionEndpoint is not an https://<host> URI (${shown(endpoint)})`);
    if (typeof stream !== "string" || !STREAM.test(stream))
      bad.push(`properties.dcrConfig.streamName is not a Custom-… stream (${shown(stream)})`);
    if (bad.length) {
      malformed.push(`${name}: ${bad.join("; ")}`);
      continue;
    }
    records.push({
      name,
      appId: (appId as string).toLowerCase(),
      ...(typeof spId === "string" && isGuid(spId) ? { servicePrincipalId: spId.toLowerCase() } : {}),
      dcrImmutableId: immutableId as string,
      dceUri: dceUri!,
      streamName: stream as string,
    });
  }
  const next = b["nextLink"];
  return { records, malformed, ...(typeof next === "string" && next !== "" ? { nextLink: next } : {}) };
}

/** Sentinel's data connectors of a workspace, read through ARM (no SDK: one GET, paged). */
export class SentinelAdapter {
  private readonly http: ArmGet;
  private readonly arm: string;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.http = new ArmGet(credential, cloud);
    this.arm = this.http.arm;
  }

  /**
   * Every Keeper connector record of the workspace, MAX_CONNECTOR_PAGES pages at most. A nextLink
   * off the ARM endpoint is refused (the token would go with it). Throws RestError or MalformedReplyError.
   */
  async keeperConnectors(
    workspace: ArmId,
    ctx: CallContext,
  ): Promise<{ records: KeeperConnectorRecord[]; malformed: string[] }> {
    let url: string | undefined =
      `${this.arm}${workspace.id}/providers/Microsoft.SecurityInsights/dataConnectors?api-version=${DATA_CONNECTORS_API_VERSION}`;
    const records: KeeperConnectorRecord[] = [];
    const malformed: string[] = [];
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_CONNECTOR_PAGES)
        throw new MalformedReplyError(`data connectors: more than ${MAX_CONNECTOR_PAGES} pages`);
      const p = toConnectorPage(await this.getJson(url, ctx));
      records.push(...p.records);
      malformed.push(...p.malformed);
      if (p.nextLink !== undefined && !sameOrigin(p.nextLink, this.arm))
        throw new MalformedReplyError("data connectors: nextLink points off the Resource Manager endpoint");
      url = p.nextLink;
    }
    return { records, malformed };
  }

  private async getJson(url: string, ctx: CallContext): Promise<unknown> {
    const response = await this.http.get(url, ctx);
    const request = response.request;
    if (response.status < 200 || response.status > 299)
      throw new RestError(`data connectors: HTTP ${response.status}`, {
        statusCode: response.status,
        request,
        response,
      });
    try {
      return JSON.parse(response.bodyAsText ?? "") as unknown;
    } catch (e) {
      throw new MalformedReplyError("data connectors: the body is not JSON", { cause: e });
    }
  }
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

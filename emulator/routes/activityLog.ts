import { randomUUID } from "node:crypto";
import { isoNoMs, json, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import type { ActivityRecord } from "../state.js";

/**
 * GET /subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values (Activity
 * Log, API 2015-04-01), as azure-rest-api-specs
 * specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json
 * documents it: `$filter` is required, needs the start time, and takes only the documented
 * patterns (a time range, optionally with one of resourceGroupName, resourceUri,
 * resourceProvider, correlationId); replies are paged by nextLink; records older than the 90 days
 * the Activity Log keeps are gone (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log).
 */

const PAGE_SIZE = 3;
const RETENTION_MS = 90 * 86_400_000;

type Where = { field: "resourceGroupName" | "resourceUri" | "resourceProvider" | "correlationId"; value: string };
interface Filter {
  from: number;
  to: number;
  where?: Where;
}

const TIME = /^eventTimestamp\s+(ge|le)\s+'([^']+)'$/i;
const EQ = /^(resourceGroupName|resourceUri|resourceProvider|correlationId)\s+eq\s+'([^']+)'$/i;

export function parseActivityFilter(filter: string | null): Filter | string {
  if (!filter?.trim())
    return "The $filter query parameter is required and must give at least the start time (eventTimestamp ge '...').";
  const parts = filter.trim().split(/\s+and\s+/i);
  let from: number | undefined;
  let to: number | undefined;
  let where: Where | undefined;
  for (const p of parts) {
    const t = TIME.exec(p);
    const e = EQ.exec(p);
    if (t) {
      const ms = Date.parse(t[2]!);
      if (!Number.isFinite(ms)) return `The time '${t[2]}' in $filter is not a valid date and time.`;
      if (t[1]!.toLowerCase() === "ge") from = ms;
      else to = ms;
    } else if (e && !where) {
      const field = (["resourceGroupName", "resourceUri", "resourceProvider", "correlationId"] as const).find(
        (f) => f.toLowerCase() === e[1]!.toLowerCase(),
      )!;
      where = { field, value: e[2]! };
    } else return `The $filter '${filter}' is not supported: only the documented patterns are allowed.`;
  }
  if (from === undefined) return "The $filter must give the start time (eventTimestamp ge '...').";
  return { from, to: to ?? Number.POSITIVE_INFINITY, ...(where ? { where } : {}) };
}

const lc = (s: string) => s.toLowerCase().replace(/\/+$/, "");

function resourceGroupOf(id: string): string | undefined {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
}

function providerOf(id: string): string {
  const m = /\/providers\/([^/]+)\/([^/]+)(?:\/[^/]+)?((?:\/[^/]+\/[^/]+)*)$/i.exec(id);
  return m ? m[1]! : "";
}

function typeOf(id: string): string {
  const segs = id.split("/").filter(Boolean);
  const p = segs.map((s) => s.toLowerCase()).lastIndexOf("providers");
  if (p < 0) return "";
  const rest = segs.slice(p + 2);
  return [segs[p + 1], ...rest.filter((_, i) => i % 2 === 0)].join("/");
}

/** The scope whose RBAC decides what the caller may list: the resource group, else the subscription. */
export function activityScope(subscriptionId: string, f: Filter): string {
  const sub = `/subscriptions/${subscriptionId}`;
  if (f.where?.field === "resourceGroupName") return `${sub}/resourceGroups/${f.where.value}`;
  if (f.where?.field === "resourceUri") {
    const rg = resourceGroupOf(f.where.value);
    return rg ? `${sub}/resourceGroups/${rg}` : sub;
  }
  return sub;
}

function matches(r: ActivityRecord, f: Filter): boolean {
  if (r.at < f.from || r.at > f.to) return false;
  const w = f.where;
  if (!w) return true;
  switch (w.field) {
    case "resourceUri":
      return lc(r.resourceId) === lc(w.value);
    case "resourceGroupName":
      return (resourceGroupOf(r.resourceId) ?? "").toLowerCase() === w.value.toLowerCase();
    case "resourceProvider":
      return providerOf(r.resourceId).toLowerCase() === w.value.toLowerCase();
    case "correlationId":
      return r.correlationId.toLowerCase() === w.value.toLowerCase();
  }
}

/** One record in the documented EventData shape (GetActivityLogsFiltered.json). */
export function eventData(r: ActivityRecord, subscriptionId: string, tenantId: string, index: number): unknown {
  const eventDataId = `${r.correlationId.slice(0, 24)}${String(index).padStart(12, "0")}`;
  const ticks = BigInt(r.at) * 10_000n + 621_355_968_000_000_000n;
  const isUser = r.caller.includes("@");
  const provider = providerOf(r.resourceId);
  const method = /\/delete$/i.test(r.operation) ? "DELETE" : /\/write$/i.test(r.operation) ? "PUT" : "POST";
  const iat = Math.floor(r.at / 1000) - 600;
  const statusText = r.status === "Succeeded" ? (method === "DELETE" ? "OK" : "Created") : "";
  return {
    authorization: { action: r.operation, scope: r.resourceId },
    caller: r.caller,
    channels: "Operation",
    claims: {
      aud: "https://management.core.windows.net/",
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: String(iat),
      nbf: String(iat),
      exp: String(iat + 4200),
      ver: "1.0",
      "http://schemas.microsoft.com/identity/claims/tenantid": tenantId,
      ...(isUser
        ? {
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": r.caller,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": r.caller,
            "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
          }
        : { "http://schemas.microsoft.com/identity/claims/objectidentifier": r.caller }),
      appid: r.appId,
      appidacr: isUser ? "0" : "1",
    },
    correlationId: r.correlationId,
    description: "",
    eventDataId,
    eventName:
      r.status === "Started"
        ? { value: "BeginRequest", localizedValue: "Begin request" }
        : { value: "EndRequest", localizedValue: "End request" },
    category: { value: "Administrative", localizedValue: "Administrative" },
    httpRequest: { clientRequestId: randomUUID(), clientIpAddress: "203.0.113.24", method },
    id: `${r.resourceId}/events/${eventDataId}/ticks/${ticks}`,
    level: "Informational",
    resourceGroupName: resourceGroupOf(r.resourceId) ?? "",
    resourceProviderName: { value: provider, localizedValue: provider },
    resourceId: r.resourceId,
    resourceType: { value: typeOf(r.resourceId), localizedValue: typeOf(r.resourceId) },
    operationId: r.correlationId,
    operationName: { value: r.operation, localizedValue: r.operation },
    properties: r.status === "Succeeded" ? { statusCode: statusText } : {},
    status: { value: r.status, localizedValue: r.status },
    subStatus:
      r.status === "Succeeded"
        ? { value: statusText, localizedValue: `${statusText} (HTTP Status Code: ${method === "DELETE" ? 200 : 201})` }
        : { value: "", localizedValue: "" },
    eventTimestamp: new Date(r.at).toISOString(),
    submissionTimestamp: isoNoMs(r.at + 15_000),
    subscriptionId,
    tenantId,
  };
}

/** The records the filter selects, newest first, one page from `$skiptoken`. */
export function activityLogPage(ctx: RouteContext, req: EmuRequest, f: Filter, path: string): EmuResponse {
  const oldest = ctx.now() - RETENTION_MS;
  const all = ctx.state.activityLog
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.at >= oldest && matches(r, f))
    .sort((a, b) => b.r.at - a.r.at || b.i - a.i);
  const skip = Number(req.query.get("$skiptoken") ?? "0") || 0;
  const value = all
    .slice(skip, skip + PAGE_SIZE)
    .map(({ r, i }) => eventData(r, ctx.state.subscriptionId, ctx.state.tenantId, i));
  const body: Record<string, unknown> = { value };
  if (skip + PAGE_SIZE < all.length) {
    const q = new URLSearchParams();
    q.set("api-version", req.query.get("api-version") ?? "2015-04-01");
    q.set("$filter", req.query.get("$filter") ?? "");
    q.set("$skiptoken", String(skip + PAGE_SIZE));
    body["nextLink"] = `${ctx.url}${path}?${q.toString().replace(/\+/g, "%20")}`;
  }
  return json(200, body);
}

import { randomUUID } from "node:crypto";
import { AUDIENCE, MONITOR_APP_ID } from "../constants.js";
import {
  findResource,
  isoNoMs,
  json,
  scopeCovers,
  type EmuRequest,
  type EmuResponse,
  type RouteContext,
} from "../http.js";
import type { TokenInfo } from "../tokens.js";
import { roleDefinitionId } from "../constants.js";
import { metricsResponse } from "./metrics.js";
import { permits } from "../rbac.js";
import { activityLogPage, activityScope, parseActivityFilter } from "./activityLog.js";

/**
 * Items per page of an ARM list. ARM documents the nextLink protocol, not a page size; 2 makes
 * every client follow nextLink. A world of hundreds of connectors may ask for larger pages
 * (EmulatorOptions.armPageSize).
 */
const PAGE_SIZE = 2;
const pageSize = (ctx: RouteContext) => ctx.armPageSize ?? PAGE_SIZE;

export function armError(status: number, code: string, message: string, headers?: Record<string, string>): EmuResponse {
  return json(
    status,
    { error: { code, message } },
    { "x-ms-request-id": randomUUID(), "x-ms-correlation-request-id": randomUUID(), ...headers },
  );
}

function armAuth(ctx: RouteContext, req: EmuRequest): TokenInfo | EmuResponse {
  const r = ctx.tokens.check(req, [AUDIENCE.arm, "https://management.core.windows.net"]);
  if (r.ok) return r.info;
  switch (r.reason) {
    case "missing":
      return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
    case "expired":
      return armError(
        401,
        "ExpiredAuthenticationToken",
        `The access token expiry UTC time '${new Date((r.info?.exp ?? 0) * 1000).toUTCString()}' is earlier than current UTC time '${new Date(ctx.now()).toUTCString()}'.`,
      );
    case "audience":
      return armError(
        401,
        "InvalidAuthenticationTokenAudience",
        `The access token has been obtained for wrong audience or resource '${r.found}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
      );
    default:
      return armError(401, "InvalidAuthenticationToken", "The access token is invalid.");
  }
}

function denied(ctx: RouteContext, tok: TokenInfo, action: string, scope: string): EmuResponse | undefined {
  const isMonitor = tok.appId === MONITOR_APP_ID;
  const blocked =
    !isMonitor ||
    [...ctx.state.monitorDenied].some((d) => scopeCovers(d, scope)) ||
    (ctx.monitorGrants !== undefined && !permits(ctx.monitorGrants, action, scope));
  if (!blocked) return undefined;
  // ARM's answer to a request outside the caller's role assignments (code and message as in
  // https://learn.microsoft.com/azure/role-based-access-control/troubleshooting, "AuthorizationFailed").
  return armError(
    403,
    "AuthorizationFailed",
    `The client '${tok.oid}' with object id '${tok.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** "Microsoft.Insights/dataCollectionRules" style type of an ARM id. */
function typeOf(id: string): { type: string; namePath: string; rg?: string } {
  const segs = id.split("/").filter(Boolean);
  const rgIdx = segs.findIndex((s) => s.toLowerCase() === "resourcegroups");
  const rg = rgIdx >= 0 ? segs[rgIdx + 1] : undefined;
  const pIdx = segs.findIndex((s) => s.toLowerCase() === "providers");
  if (pIdx < 0)
    return rg
      ? { type: "Microsoft.Resources/resourceGroups", namePath: rg, rg }
      : { type: "Microsoft.Resources/subscriptions", namePath: segs[1] ?? "" };
  const ns = segs[pIdx + 1] ?? "";
  const rest = segs.slice(pIdx + 2);
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i]!);
    if (rest[i + 1] !== undefined) names.push(rest[i + 1]!);
  }
  return { type: `${ns}/${types.join("/")}`, namePath: `${ns}/${rest.join("/")}`, ...(rg ? { rg } : {}) };
}

function notFound(ctx: RouteContext, id: string): EmuResponse {
  const t = typeOf(id);
  if (t.rg && !ctx.state.resourceGroups.some((g) => g.toLowerCase() === t.rg!.toLowerCase())) {
    return armError(404, "ResourceGroupNotFound", `Resource group '${t.rg}' could not be found.`);
  }
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${t.namePath}' under resource group '${t.rg ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function armRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const apiVersion = req.query.get("api-version");
  if (!apiVersion)
    return armError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  const auth = armAuth(ctx, req);
  if ("status" in auth) return auth;
  const tok = auth;
  if (req.method !== "GET")
    return armError(405, "MethodNotAllowed", `The requested resource does not support http method '${req.method}'.`);
  const path = req.path.replace(/\/+$/, "");
  const lower = path.toLowerCase();

  const raMarker = "/providers/microsoft.authorization/roleassignments";
  if (lower.endsWith(raMarker)) {
    const scope = path.slice(0, path.length - raMarker.length) || "/";
    return listRoleAssignments(ctx, req, tok, scope, apiVersion);
  }
  const activityMarker = "/providers/microsoft.insights/eventtypes/management/values";
  if (lower.endsWith(activityMarker)) {
    const sub = /^\/subscriptions\/([^/]+)$/i.exec(path.slice(0, path.length - activityMarker.length))?.[1];
    if (!sub || sub.toLowerCase() !== ctx.state.subscriptionId.toLowerCase())
      return armError(404, "SubscriptionNotFound", `The subscription '${sub ?? ""}' could not be found.`);
    const f = parseActivityFilter(req.query.get("$filter"));
    if (typeof f === "string") return armError(400, "BadRequest", f);
    // Listing needs Microsoft.Insights/eventtypes/values/read (in Reader and Monitoring Reader's
    // */read) at the subscription or at the resource group the filter names or holds the resource.
    const d = denied(ctx, tok, "Microsoft.Insights/eventtypes/values/read", activityScope(ctx.state.subscriptionId, f));
    if (d) return d;
    return activityLogPage(ctx, req, f, path);
  }
  const metricsMarker = "/providers/microsoft.insights/metrics";
  if (lower.endsWith(metricsMarker)) {
    const resourceId = path.slice(0, path.length - metricsMarker.length);
    const d = denied(ctx, tok, "Microsoft.Insights/metrics/read", resourceId);
    if (d) return d;
    const res = findResource(ctx.state, resourceId);
    if (!res) return notFound(ctx, resourceId);
    return metricsResponse(ctx, req, res);
  }

  const connectors =
    /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.operationalinsights\/workspaces\/[^/]+)\/providers\/microsoft\.securityinsights\/dataconnectors$/.exec(
      lower,
    );
  if (connectors) return listDataConnectors(ctx, req, tok, path.slice(0, connectors[1]!.length), apiVersion);
  const dcrList = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.insights\/datacollectionrules$/.exec(lower);
  if (dcrList) return listDcrs(ctx, req, tok, path.slice(0, "/subscriptions/".length + dcrList[1]!.length), apiVersion);

  const subscription = /^\/subscriptions\/([^/]+)$/i.exec(path)?.[1];
  if (subscription !== undefined) return getSubscription(ctx, tok, subscription);

  const t = typeOf(path);
  const d = denied(ctx, tok, `${t.type}/read`, path);
  if (d) return d;

  // resource group
  const segs = path.split("/").filter(Boolean);
  if (segs.length === 4 && segs[2]!.toLowerCase() === "resourcegroups") {
    const rg = ctx.state.resourceGroups.find((g) => g.toLowerCase() === segs[3]!.toLowerCase());
    if (!rg) return armError(404, "ResourceGroupNotFound", `Resource group '${segs[3]}' could not be found.`);
    return json(200, {
      id: `/subscriptions/${ctx.state.subscriptionId}/resourceGroups/${rg}`,
      name: rg,
      type: "Microsoft.Resources/resourceGroups",
      location: "westeurope",
      properties: { provisioningState: "Succeeded" },
    });
  }
  // collection: children of a resource (e.g. workspaces/{ws}/tables)
  if (segs.length > 6 && segs.length % 2 === 1) {
    const parentId = segs.slice(0, -1).join("/");
    const parent = findResource(ctx.state, `/${parentId}`);
    if (!parent) return notFound(ctx, `/${parentId}`);
    const prefix = `${path.toLowerCase()}/`;
    const value = Object.values(ctx.state.resources).filter(
      (r) => r.id.toLowerCase().startsWith(prefix) && !r.id.slice(prefix.length).includes("/"),
    );
    return json(200, { value });
  }
  const res = findResource(ctx.state, path);
  if (!res) return notFound(ctx, path);
  return json(200, structuredClone(res));
}

/** One page of `items` ($skiptoken is the offset) with ARM's nextLink to the rest. */
function paged(ctx: RouteContext, req: EmuRequest, path: string, apiVersion: string, items: unknown[]): EmuResponse {
  const skip = Number(req.query.get("$skiptoken") ?? "0") || 0;
  const size = pageSize(ctx);
  const body: Record<string, unknown> = { value: items.slice(skip, skip + size).map((i) => structuredClone(i)) };
  if (skip + size < items.length)
    body["nextLink"] = `${ctx.url}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${skip + size}`;
  return json(200, body);
}

/**
 * Sentinel's data connectors of a workspace (Data Connectors - List,
 * https://learn.microsoft.com/rest/api/securityinsights/data-connectors/list): an extension
 * resource of the workspace, read with Microsoft.SecurityInsights/dataConnectors/read on it
 * (Microsoft Sentinel Reader has it: https://learn.microsoft.com/azure/sentinel/roles).
 */
function listDataConnectors(
  ctx: RouteContext,
  req: EmuRequest,
  tok: TokenInfo,
  workspaceId: string,
  apiVersion: string,
): EmuResponse {
  const path = `${workspaceId}/providers/Microsoft.SecurityInsights/dataConnectors`;
  const d = denied(ctx, tok, "Microsoft.SecurityInsights/dataConnectors/read", path);
  if (d) return d;
  if (!findResource(ctx.state, workspaceId)) return notFound(ctx, workspaceId);
  const prefix = `${workspaceId.toLowerCase()}/`;
  const items = ctx.state.dataConnectors.filter((c) => c.id.toLowerCase().startsWith(prefix));
  return paged(ctx, req, path, apiVersion, items);
}

/**
 * The DCRs of a subscription (Data Collection Rules - List By Subscription,
 * https://learn.microsoft.com/rest/api/monitor/data-collection-rules/list-by-subscription). ARM
 * authorizes a list at the scope it is asked at: a role on one DCR does not allow listing the
 * subscription (https://learn.microsoft.com/azure/role-based-access-control/scope-overview).
 */
function listDcrs(
  ctx: RouteContext,
  req: EmuRequest,
  tok: TokenInfo,
  subscription: string,
  apiVersion: string,
): EmuResponse {
  const d = denied(ctx, tok, "Microsoft.Insights/dataCollectionRules/read", subscription);
  if (d) return d;
  const prefix = `${subscription.toLowerCase()}/`;
  const items = Object.values(ctx.state.resources).filter(
    (r) => r.type.toLowerCase() === "microsoft.insights/datacollectionrules" && r.id.toLowerCase().startsWith(prefix),
  );
  return paged(ctx, req, `${subscription}/providers/Microsoft.Insights/dataCollectionRules`, apiVersion, items);
}

function parseFilter(filter: string | null): { principal?: string; atScope: boolean; assignedTo: boolean } | string {
  if (!filter || !filter.trim()) return { atScope: false, assignedTo: false };
  const parts = filter.split(/\s+and\s+/i).map((p) => p.trim());
  const out: { principal?: string; atScope: boolean; assignedTo: boolean } = { atScope: false, assignedTo: false };
  for (const p of parts) {
    let m: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(p)) out.atScope = true;
    else if ((m = /^assignedTo\('([^']+)'\)$/i.exec(p))) {
      out.principal = m[1]!;
      out.assignedTo = true;
    } else if ((m = /^principalId\s+eq\s+'([^']+)'$/i.exec(p))) out.principal = m[1]!;
    else
      return `The filter '${filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.`;
  }
  return out;
}

function listRoleAssignments(
  ctx: RouteContext,
  req: EmuRequest,
  tok: TokenInfo,
  scope: string,
  apiVersion: string,
): EmuResponse {
  const d = denied(ctx, tok, "Microsoft.Authorization/roleAssignments/read", scope);
  if (d) return d;
  const f = parseFilter(req.query.get("$filter"));
  if (typeof f === "string") return armError(400, "UnsupportedQuery", f);
  const matches = ctx.state.roleAssignments.filter((a) => {
    const above = scopeCovers(a.scope, scope);
    const below = scopeCovers(scope, a.scope);
    if (f.atScope ? !above : !(above || below)) return false;
    if (f.principal && a.principalId.toLowerCase() !== f.principal.toLowerCase()) return false;
    return true;
  });
  const skip = Number(req.query.get("$skiptoken") ?? "0") || 0;
  const page = matches.slice(skip, skip + pageSize(ctx));
  const now = ctx.now();
  const value = page.map((a) => ({
    properties: {
      roleDefinitionId: roleDefinitionId(a.roleDefinitionGuid),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: isoNoMs(now - 150 * 86_400_000),
      updatedOn: isoNoMs(now - 150 * 86_400_000),
      createdBy: "e2d3c4b5-a6f7-4889-9a0b-c1d2e3f4a5b6",
      updatedBy: "e2d3c4b5-a6f7-4889-9a0b-c1d2e3f4a5b6",
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
    id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    type: "Microsoft.Authorization/roleAssignments",
    name: a.name,
  }));
  const body: Record<string, unknown> = { value };
  if (skip + pageSize(ctx) < matches.length) {
    const q = new URLSearchParams();
    q.set("api-version", apiVersion);
    const filter = req.query.get("$filter");
    if (filter) q.set("$filter", filter);
    q.set("$skiptoken", String(skip + pageSize(ctx)));
    body["nextLink"] =
      `${ctx.url}${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments?${q.toString().replace(/\+/g, "%20")}`;
  }
  return json(200, body);
}

/**
 * Subscriptions - Get (https://learn.microsoft.com/rest/api/resources/subscriptions/get, api
 * 2022-12-01): `tenantId` is the tenant the subscription belongs to; a subscription delegated
 * through Azure Lighthouse is the customer's, and lists the managing tenant under
 * `managedByTenants`. A caller with a role on anything in the subscription may read it (as
 * Subscriptions - List shows every subscription the caller has a role in); the monitor's grants are
 * resource-scoped, so one of them inside the subscription is enough.
 */
function getSubscription(ctx: RouteContext, tok: TokenInfo, subscriptionId: string): EmuResponse {
  const { state } = ctx;
  const sub = `/subscriptions/${state.subscriptionId}`;
  if (subscriptionId.toLowerCase() !== state.subscriptionId.toLowerCase())
    return armError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
  const within = (scope: string) => scope.toLowerCase() === sub.toLowerCase() || scopeCovers(sub, scope);
  const granted =
    tok.appId === MONITOR_APP_ID &&
    ![...state.monitorDenied].some((d) => scopeCovers(d, sub)) &&
    (ctx.monitorGrants === undefined || ctx.monitorGrants.some((g) => within(g.scope)));
  if (!granted)
    return armError(
      403,
      "AuthorizationFailed",
      `The client '${tok.oid}' with object id '${tok.oid}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read' over scope '${sub}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  const delegated = state.subscriptionTenantId.toLowerCase() !== state.tenantId.toLowerCase();
  return json(200, {
    id: sub,
    authorizationSource: "RoleBased",
    managedByTenants: delegated ? [{ tenantId: state.tenantId }] : [],
    subscriptionId: state.subscriptionId,
    tenantId: state.subscriptionTenantId,
    displayName: "Sentinel",
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  });
}

import { randomUUID } from "node:crypto";
import { AUDIENCE } from "../constants.js";
import { json, parseJsonBody, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import { entraSecret } from "../random.js";
import {
  directoryOf,
  secretHint,
  type AppRegistration,
  type PasswordCredential,
  type TenantDirectory,
} from "../state.js";
import type { TokenInfo } from "../tokens.js";
import { parseDuration } from "../timespan.js";

const GRAPH = "https://graph.microsoft.com/v1.0";

export function graphError(
  req: EmuRequest | undefined,
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): EmuResponse {
  const requestId = randomUUID();
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ""),
          "request-id": requestId,
          "client-request-id": String(req?.headers["client-request-id"] ?? requestId),
        },
      },
    },
    { "request-id": requestId, ...headers },
  );
}

const notFound = (req: EmuRequest, id: string) =>
  graphError(
    req,
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
const denied = (req: EmuRequest) =>
  graphError(req, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

function wireCredential(c: PasswordCredential): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: c.displayName,
    endDateTime: c.endDateTime,
    hint: c.hint,
    keyId: c.keyId,
    secretText: null,
    startDateTime: c.startDateTime,
  };
}

function wireApp(app: AppRegistration): Record<string, unknown> {
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    description: null,
    groupMembershipClaims: null,
    identifierUris: [],
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: null,
    notes: null,
    publisherDomain: "example.com",
    serviceManagementReference: null,
    signInAudience: "AzureADMyOrg",
    tags: [],
    tokenEncryptionKeyId: null,
    keyCredentials: [],
    passwordCredentials: app.passwordCredentials.map(wireCredential),
    requiredResourceAccess: [],
  };
}

function wireSp(app: AppRegistration): Record<string, unknown> {
  const sp = app.servicePrincipal!;
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    appDisplayName: app.displayName,
    appId: app.appId,
    appOwnerOrganizationId: null,
    displayName: sp.displayName,
    servicePrincipalNames: [app.appId],
    servicePrincipalType: "Application",
    signInAudience: "AzureADMyOrg",
    tags: [],
    keyCredentials: [],
    passwordCredentials: [],
  };
}

function select(obj: Record<string, unknown>, req: EmuRequest, context: string): Record<string, unknown> {
  const sel = req.query.get("$select");
  const out: Record<string, unknown> = { "@odata.context": context };
  if (!sel) return { ...out, ...obj };
  for (const f of sel
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean))
    if (f in obj) out[f] = obj[f];
  return out;
}

/**
 * The directory a Graph request reads: the token's tenant (`tid`). A token from one tenant reads
 * that tenant's objects only: another tenant's app is not there (404 Request_ResourceNotFound),
 * which is why the monitor asks for a token in the Keeper connector's own tenant
 * (https://learn.microsoft.com/graph/auth-v2-service: the token is requested for one tenant, and
 * the app's permissions are those consented in it).
 */
const directory = (ctx: RouteContext, tok: TokenInfo): TenantDirectory =>
  directoryOf(ctx.state, tok.tid) ?? { tenantId: tok.tid, apps: [], directoryAudits: [], graph: ctx.state.graph };
/** Application objects of the directory (not the service principals of apps registered elsewhere). */
const applications = (dir: TenantDirectory) => dir.apps.filter((a) => a.homeTenantId === undefined);

function roles(tok: TokenInfo, ctx: RouteContext): string[] {
  return directory(ctx, tok).apps.find((a) => a.appId === tok.appId)?.graphRoles ?? [];
}

function canRead(ctx: RouteContext, tok: TokenInfo, app: AppRegistration): boolean {
  const r = roles(tok, ctx);
  if (r.includes("Application.Read.All") || r.includes("Application.ReadWrite.All") || r.includes("Directory.Read.All"))
    return true;
  if (r.includes("Application.ReadWrite.OwnedBy")) return app.owners.includes(tok.oid) || app.appId === tok.appId;
  return false;
}

function canWrite(ctx: RouteContext, tok: TokenInfo, app: AppRegistration): boolean {
  const r = roles(tok, ctx);
  if (r.includes("Application.ReadWrite.All")) return true;
  return r.includes("Application.ReadWrite.OwnedBy") && app.owners.includes(tok.oid);
}

export function graphRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const chk = ctx.tokens.check(req, [AUDIENCE.graph, "00000003-0000-0000-c000-000000000000"]);
  if (!chk.ok) {
    const msg =
      chk.reason === "missing"
        ? "Access token is empty."
        : chk.reason === "expired"
          ? "Lifetime validation failed, the token is expired."
          : chk.reason === "audience"
            ? "Access token validation failure. Invalid audience."
            : "Access token validation failure.";
    return graphError(req, 401, "InvalidAuthenticationToken", msg, {
      "WWW-Authenticate": `Bearer realm="", authorization_uri="${ctx.url}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    });
  }
  const tok = chk.info;
  const dir = directoryOf(ctx.state, tok.tid);
  if (!dir)
    return graphError(req, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid issuer.");
  return graphRequest(ctx, req, tok, dir);
}

function graphRequest(ctx: RouteContext, req: EmuRequest, tok: TokenInfo, dir: TenantDirectory): EmuResponse {
  const path = req.path.replace(/\/+$/, "");
  let m: RegExpExecArray | null;

  if (
    (m =
      /^\/v1\.0\/applications(?:\(appId='([^']*)'\)|\/([^/()]+))(?:\/(addPassword|removePassword|microsoft\.graph\.addPassword|microsoft\.graph\.removePassword))?$/i.exec(
        path,
      ))
  ) {
    const byAppId = m[1];
    const key = byAppId ?? m[2]!;
    const action = m[3]?.replace(/^microsoft\.graph\./i, "").toLowerCase();
    const app = applications(dir).find((a) =>
      byAppId !== undefined
        ? a.appId.toLowerCase() === byAppId.toLowerCase()
        : a.id.toLowerCase() === key.toLowerCase(),
    );
    const label = byAppId !== undefined ? `appId='${byAppId}'` : key;
    if (!action) {
      if (req.method !== "GET")
        return graphError(req, 405, "Request_BadRequest", `Method ${req.method} is not allowed.`);
      if (!app) return notFound(req, label);
      if (!canRead(ctx, tok, app)) return denied(req);
      return json(200, select(wireApp(app), req, `${GRAPH}/$metadata#applications/$entity`));
    }
    if (req.method !== "POST")
      return graphError(req, 405, "Request_BadRequest", `Method ${req.method} is not allowed.`);
    if (!app) return notFound(req, label);
    if (!canWrite(ctx, tok, app)) return denied(req);
    let body: any;
    try {
      body = parseJsonBody(req) ?? {};
    } catch {
      return graphError(
        req,
        400,
        "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    }
    return action === "addpassword" ? addPassword(ctx, dir, req, app, body) : removePassword(req, app, body);
  }
  if (/^\/v1\.0\/auditLogs\/directoryAudits$/i.test(path) && req.method === "GET") {
    // List directoryAudits needs AuditLog.Read.All (Graph docs, directoryaudit-list.md).
    if (!roles(tok, ctx).includes("AuditLog.Read.All")) return denied(req);
    return directoryAudits(dir, req);
  }
  if ((m = /^\/v1\.0\/applications$/i.exec(path)) && req.method === "GET") {
    const f = /^appId eq '([^']+)'$/i.exec(req.query.get("$filter") ?? "");
    const apps = applications(dir).filter(
      (a) => (!f || a.appId.toLowerCase() === f[1]!.toLowerCase()) && canRead(ctx, tok, a),
    );
    return json(200, {
      "@odata.context": `${GRAPH}/$metadata#applications`,
      value: apps.map((a) => {
        const { "@odata.context": _c, ...rest } = select(wireApp(a), req, "");
        return rest;
      }),
    });
  }
  if ((m = /^\/v1\.0\/servicePrincipals(?:\(appId='([^']*)'\)|\/([^/()]+))$/i.exec(path)) && req.method === "GET") {
    const app = dir.apps.find(
      (a) =>
        a.servicePrincipal &&
        (m![1] !== undefined
          ? a.appId.toLowerCase() === m![1].toLowerCase()
          : a.servicePrincipal.id.toLowerCase() === m![2]!.toLowerCase()),
    );
    if (!app) return notFound(req, m[1] !== undefined ? `appId='${m[1]}'` : m[2]!);
    if (!canRead(ctx, tok, app)) return denied(req);
    return json(200, select(wireSp(app), req, `${GRAPH}/$metadata#servicePrincipals/$entity`));
  }
  if ((m = /^\/v1\.0\/users\/([^/]+)\/sendMail$/i.exec(path))) {
    if (req.method !== "POST")
      return graphError(req, 405, "Request_BadRequest", `Method ${req.method} is not allowed.`);
    if (!roles(tok, ctx).includes("Mail.Send"))
      return graphError(req, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    const sender = decodeURIComponent(m[1]!);
    if (!dir.graph.mailboxes.some((b) => b.toLowerCase() === sender.toLowerCase()))
      return graphError(req, 404, "ErrorInvalidUser", `The requested user '${sender}' is invalid.`);
    let body: any;
    try {
      body = parseJsonBody(req);
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== "object" || !body.message)
      return graphError(req, 400, "ErrorInvalidRequest", "Cannot read the request body.");
    const rcpts = body.message.toRecipients;
    if (!Array.isArray(rcpts) || rcpts.length === 0)
      return graphError(
        req,
        400,
        "ErrorInvalidRecipients",
        "At least one recipient isn't valid., Recipient is not valid.",
      );
    ctx.state.sentMail.push({ sender, message: body.message, at: new Date(ctx.now()).toISOString() });
    return { status: 202, headers: { "request-id": randomUUID() } };
  }
  if ((m = /^\/v1\.0\/applications\/([^/()]+)\/appManagementPolicies$/i.exec(path)) && req.method === "GET") {
    const app = applications(dir).find((a) => a.id.toLowerCase() === m![1]!.toLowerCase());
    if (!app) return notFound(req, m[1]!);
    if (!canRead(ctx, tok, app)) return denied(req);
    return json(200, {
      "@odata.context": `${GRAPH}/$metadata#appManagementPolicies`,
      value: dir.graph.appPolicies?.[app.id] ?? [],
    });
  }
  if (/^\/v1\.0\/policies\/defaultAppManagementPolicy$/i.test(path) && req.method === "GET") {
    const r = roles(tok, ctx);
    if (
      !r.some((x) =>
        [
          "Policy.Read.All",
          "Policy.Read.ApplicationConfiguration",
          "Policy.ReadWrite.ApplicationConfiguration",
        ].includes(x),
      )
    )
      return denied(req);
    return json(200, {
      "@odata.context": `${GRAPH}/$metadata#policies/defaultAppManagementPolicy/$entity`,
      ...dir.graph.defaultAppManagementPolicy,
    });
  }
  return graphError(
    req,
    400,
    "BadRequest",
    `Resource not found for the segment '${path.split("/").filter(Boolean).slice(1).join("/")}'.`,
  );
}

function policyViolation(dir: TenantDirectory, app: AppRegistration, start: number, end: number): string | null {
  const tenant = dir.graph.defaultAppManagementPolicy as any;
  const own = (dir.graph.appPolicies?.[app.id] ?? []) as any[];
  for (const pol of [tenant, ...own]) {
    const v = oneViolation(pol, pol === tenant ? pol?.applicationRestrictions : pol?.restrictions, app, start, end);
    if (v) return v;
  }
  return null;
}

function oneViolation(pol: any, restrictions: any, app: AppRegistration, start: number, end: number): string | null {
  if (!pol?.isEnabled) return null;
  for (const r of restrictions?.passwordCredentials ?? []) {
    const after = r.restrictForAppsCreatedAfterDateTime ? Date.parse(r.restrictForAppsCreatedAfterDateTime) : 0;
    if (Date.parse(app.createdDateTime) < after) continue;
    if (r.restrictionType === "passwordAddition") return "Credential type not allowed as per assigned policy.";
    if (r.restrictionType === "passwordLifetime") {
      const max = parseDuration(String(r.maxLifetime ?? ""));
      if (max !== null && end - start > max)
        return `Credential lifetime exceeds the max value allowed as per assigned policy '${pol.id}'.`;
    }
  }
  return null;
}

function addPassword(
  ctx: RouteContext,
  dir: TenantDirectory,
  req: EmuRequest,
  app: AppRegistration,
  body: any,
): EmuResponse {
  const pc = body?.passwordCredential ?? {};
  const now = ctx.now();
  const start = pc.startDateTime ? Date.parse(pc.startDateTime) : now;
  const end = pc.endDateTime ? Date.parse(pc.endDateTime) : start + 2 * 365 * 86_400_000;
  if (Number.isNaN(start) || Number.isNaN(end))
    return graphError(
      req,
      400,
      "Request_BadRequest",
      "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
    );
  if (end <= start) return graphError(req, 400, "Request_BadRequest", "Key credential end date is invalid.");
  const violation = policyViolation(dir, app, start, end);
  if (violation) return graphError(req, 400, "Request_BadRequest", violation);
  const secret = entraSecret();
  const cred: PasswordCredential = {
    keyId: randomUUID(),
    displayName: typeof pc.displayName === "string" ? pc.displayName : null,
    startDateTime: new Date(start).toISOString(),
    endDateTime: new Date(end).toISOString(),
    hint: secretHint(secret),
    secretText: secret,
    createdDateTime: new Date(now).toISOString(),
  };
  app.passwordCredentials.push(cred);
  return json(200, {
    "@odata.context": `${GRAPH}/$metadata#microsoft.graph.passwordCredential`,
    ...wireCredential(cred),
    secretText: secret,
  });
}

function removePassword(req: EmuRequest, app: AppRegistration, body: any): EmuResponse {
  const keyId = body?.keyId;
  if (typeof keyId !== "string")
    return graphError(
      req,
      400,
      "Request_BadRequest",
      "Invalid value specified for property 'keyId' of resource 'Application'.",
    );
  const idx = app.passwordCredentials.findIndex((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  // Graph documents only 204 (microsoft-graph-docs-contrib api-reference/v1.0/api/application-removepassword.md);
  // for a key already gone no answer is documented, so this one is a plausible guess, and the monitor
  // must cope with any 4xx (it reads the app again to decide).
  if (idx < 0)
    return graphError(req, 404, "Request_ResourceNotFound", `No password credential found with keyId ${keyId}.`);
  app.passwordCredentials.splice(idx, 1);
  return { status: 204 };
}

/**
 * GET /auditLogs/directoryAudits: `$filter` with `targetResources/any(t:t/id eq '…')` and
 * `activityDateTime ge …` (the documented eq/ge operators), `$orderby=activityDateTime desc`,
 * `$top`; records in the shape of directoryaudit-list.md's example.
 */
function directoryAudits(dir: TenantDirectory, req: EmuRequest): EmuResponse {
  const filter = req.query.get("$filter") ?? "";
  let target: string | undefined;
  let since = Number.NEGATIVE_INFINITY;
  for (const part of filter ? filter.split(/\s+and\s+/i) : []) {
    const t = /^targetResources\/any\((\w+):\1\/id eq '([^']+)'\)$/i.exec(part.trim());
    const d = /^activityDateTime ge (\S+)$/i.exec(part.trim());
    if (t) target = t[2]!.toLowerCase();
    else if (d && Number.isFinite(Date.parse(d[1]!))) since = Date.parse(d[1]!);
    else return graphError(req, 400, "BadRequest", `Invalid filter clause: ${part}`);
  }
  const top = Math.min(Number(req.query.get("$top") ?? "1000") || 1000, 1000);
  const rows = dir.directoryAudits
    .filter((r) => r.at >= since && (target === undefined || r.targetId.toLowerCase() === target))
    .sort((a, b) => b.at - a.at)
    .slice(0, top);
  return json(200, {
    "@odata.context": `${GRAPH}/$metadata#auditLogs/directoryAudits`,
    value: rows.map((r, i) => ({
      id: `Directory_${r.at}_${i}`,
      category: r.category,
      correlationId: "da159bfb-54fa-4092-8a38-6e1fa7870e30",
      result: r.result,
      resultReason: "",
      activityDisplayName: r.activityDisplayName,
      activityDateTime: new Date(r.at).toISOString(),
      loggedByService: "Core Directory",
      operationType: "Update",
      initiatedBy: {
        user: {
          id: "728309ae-1a37-4937-9afe-e35d964db09b",
          displayName: null,
          userPrincipalName: r.upn,
          ipAddress: "203.0.113.24",
        },
        app: null,
      },
      targetResources: [{ id: r.targetId, displayName: null, type: r.targetType, modifiedProperties: [] }],
      additionalDetails: [],
    })),
  });
}

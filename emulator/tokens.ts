import { createPrivateKey, createPublicKey, randomUUID, sign, type KeyObject } from "node:crypto";
import { AUDIENCE, MONITOR_IDENTITY_RESOURCE_ID, TOKEN_EXCHANGE_AUDIENCE } from "./constants.js";
import { json, parseJsonBody, type EmuRequest, type EmuResponse, type RouteContext } from "./http.js";
import { base64url } from "./random.js";
import {
  directoryOf,
  registrationOf,
  type AppRegistration,
  type EmulatorState,
  type PasswordCredential,
  type TenantDirectory,
} from "./state.js";

export interface TokenInfo {
  token: string;
  aud: string;
  /** iss claim: `<authority>/<tid>/` (v1.0 tokens) or `<authority>/<tid>/v2.0` (v2.0 tokens) */
  iss: string;
  /** sub claim (the service principal's object id for an app token) */
  sub: string;
  appId: string;
  /** service principal object id */
  oid: string;
  tid: string;
  /** wall-clock expiry (ms): token lifetime runs on the real clock so emulator clock jumps don't break SDK caches */
  expiresAtReal: number;
  /** exp claim (emulator clock, seconds) */
  exp: number;
  revoked: boolean;
}

export type TokenCheck =
  | { ok: true; info: TokenInfo }
  | { ok: false; reason: "missing" | "invalid" | "expired" | "audience"; found?: string; info?: TokenInfo };

const KNOWN_RESOURCES: Record<string, string> = {
  "https://management.azure.com": AUDIENCE.arm,
  "https://management.core.windows.net": AUDIENCE.arm,
  "https://graph.microsoft.com": AUDIENCE.graph,
  "https://api.loganalytics.io": AUDIENCE.logs,
  "https://api.loganalytics.azure.com": AUDIENCE.logs,
  "https://vault.azure.net": AUDIENCE.vault,
  "https://monitor.azure.com": AUDIENCE.ingestion,
  "https://storage.azure.com": "https://storage.azure.com",
  // A managed identity's token used as a federated credential is asked for this audience
  // (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
  "api://azureadtokenexchange": TOKEN_EXCHANGE_AUDIENCE,
};

/** The v2.0 resource: its tokens carry the v2.0 issuer, the one a federated credential names. */
const V2_AUDIENCES = new Set([TOKEN_EXCHANGE_AUDIENCE]);
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export class TokenStore {
  readonly issued = new Map<string, TokenInfo>();
  private readonly kid: string;
  /** Parsed once: parsing the PEM on every token cost more than signing. */
  private signingKey: KeyObject | undefined;
  constructor(
    private readonly keyPem: string,
    certPem: string,
  ) {
    this.kid = base64url(createPublicKey(certPem).export({ format: "der", type: "spki" }).subarray(-20));
  }

  jwks(): unknown {
    const jwk = createPublicKey(this.keyPem).export({ format: "jwk" }) as Record<string, unknown>;
    return { keys: [{ kty: "RSA", use: "sig", kid: this.kid, x5t: this.kid, n: jwk["n"], e: jwk["e"], alg: "RS256" }] };
  }

  issue(
    issuerBase: string,
    app: AppRegistration,
    tid: string,
    aud: string,
    roles: string[],
    nowMs: number,
    keyId: string,
  ): TokenInfo {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + 3599;
    const v2 = V2_AUDIENCES.has(aud);
    const iss = v2 ? `${issuerBase}/${tid}/v2.0` : `${issuerBase}/${tid}/`;
    const payload: Record<string, unknown> = {
      aud,
      iss,
      iat,
      nbf: iat,
      exp,
      aio: base64url(randomUUID()),
      appid: app.appId,
      appidacr: "1",
      idp: `${issuerBase}/${tid}/`,
      idtyp: "app",
      oid: app.servicePrincipal?.id ?? "",
      rh: "0.AAAA.",
      sub: app.servicePrincipal?.id ?? "",
      tid,
      uti: base64url(randomUUID()).slice(0, 22),
      ver: v2 ? "2.0" : "1.0",
      xms_tcdt: 1600000000,
      keyid: keyId,
    };
    if (roles.length > 0) payload["roles"] = roles;
    const header = { typ: "JWT", alg: "RS256", x5t: this.kid, kid: this.kid };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign(
      "RSA-SHA256",
      Buffer.from(signingInput),
      (this.signingKey ??= createPrivateKey(this.keyPem)),
    ).toString("base64url");
    const token = `${signingInput}.${signature}`;
    const info: TokenInfo = {
      token,
      aud,
      iss,
      sub: app.servicePrincipal?.id ?? "",
      appId: app.appId,
      oid: app.servicePrincipal?.id ?? "",
      tid,
      expiresAtReal: Date.now() + 3599_000,
      exp,
      revoked: false,
    };
    this.issued.set(token, info);
    return info;
  }

  check(req: EmuRequest, audiences: string[]): TokenCheck {
    const h = req.headers["authorization"];
    if (typeof h !== "string" || !/^Bearer\s+/i.test(h)) return { ok: false, reason: "missing" };
    const token = h.replace(/^Bearer\s+/i, "").trim();
    const info = this.issued.get(token);
    if (!info) return { ok: false, reason: "invalid" };
    if (info.revoked || Date.now() >= info.expiresAtReal) return { ok: false, reason: "expired", info };
    const norm = (a: string) => a.replace(/\/+$/, "").toLowerCase();
    if (!audiences.some((a) => norm(a) === norm(info.aud)))
      return { ok: false, reason: "audience", found: info.aud, info };
    return { ok: true, info };
  }

  expireAll(): void {
    for (const t of this.issued.values()) t.revoked = true;
  }
}

// ---------------------------------------------------------------- Entra endpoints

function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

export function aadError(
  ctx: RouteContext,
  status: number,
  error: string,
  code: number,
  description: string,
): EmuResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const ts = entraTimestamp(Date.now());
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.url}/error?code=${code}`,
  });
}

function openIdConfiguration(ctx: RouteContext, tenant: string): unknown {
  const base = `${ctx.url}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.url}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

function parseForm(req: EmuRequest): URLSearchParams {
  const ct = String(req.headers["content-type"] ?? "");
  if (ct.includes("application/json")) {
    const o = (parseJsonBody(req) ?? {}) as Record<string, string>;
    return new URLSearchParams(o);
  }
  return new URLSearchParams(req.body.toString("utf8"));
}

export function appByClientId(state: EmulatorState, clientId: string): AppRegistration | undefined {
  return state.apps.find((a) => a.appId.toLowerCase() === clientId.toLowerCase());
}

function recordSignIn(
  ctx: RouteContext,
  app: AppRegistration,
  resultType: string,
  description: string,
  keyId: string | null,
  resource: string,
): void {
  const table = ctx.state.tables["AADServicePrincipalSignInLogs"];
  if (!table) return;
  table.rows.push({
    TimeGenerated: ctx.now(),
    AppId: app.appId,
    ServicePrincipalId: app.servicePrincipal?.id ?? "",
    ServicePrincipalName: app.displayName,
    ResultType: resultType,
    ResultDescription: description,
    ServicePrincipalCredentialKeyId: keyId ?? "",
    IPAddress: "203.0.113.250",
    ResourceIdentity: resource,
  });
}

export function tokenRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const segs = req.path.split("/").filter(Boolean);
  const { state } = ctx;
  if (segs.length === 2 && segs[0]!.toLowerCase() === "msi" && segs[1]!.toLowerCase() === "token")
    return managedIdentityToken(ctx, req);
  if (req.method === "GET" && segs[0] === "common" && segs[1] === "discovery" && segs[2] === "instance") {
    const host = new URL(ctx.url).host;
    const tenant = state.tenantId;
    return json(200, {
      tenant_discovery_endpoint: `${ctx.url}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }
  const tenant = segs[0] ?? "";
  const dir = directoryOf(state, tenant === "organizations" ? state.tenantId : tenant);
  const knownTenant = dir !== undefined;
  const rest = segs.slice(1).join("/");
  if (
    req.method === "GET" &&
    (rest === "v2.0/.well-known/openid-configuration" || rest === ".well-known/openid-configuration")
  ) {
    if (!knownTenant)
      return aadError(
        ctx,
        400,
        "invalid_tenant",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    return json(200, openIdConfiguration(ctx, dir.tenantId));
  }
  if (req.method === "GET" && (rest === "discovery/v2.0/keys" || rest === "discovery/keys"))
    return json(200, ctx.tokens.jwks());
  if (rest !== "oauth2/v2.0/token")
    return aadError(
      ctx,
      404,
      "invalid_request",
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`,
    );
  if (req.method !== "POST")
    return aadError(
      ctx,
      400,
      "invalid_request",
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`,
    );
  if (!dir)
    return aadError(
      ctx,
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );

  let form: URLSearchParams;
  try {
    form = parseForm(req);
  } catch {
    return aadError(
      ctx,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  let clientId = form.get("client_id") ?? "";
  let clientSecret = form.get("client_secret");
  const basic = req.headers["authorization"];
  if (typeof basic === "string" && /^Basic /i.test(basic)) {
    const [id, secret] = Buffer.from(basic.slice(6), "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id ?? "");
    clientSecret = decodeURIComponent(secret ?? "");
  }
  const grant = form.get("grant_type");
  if (!grant)
    return aadError(
      ctx,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  if (grant !== "client_credentials")
    return aadError(
      ctx,
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grant}'.`,
    );
  if (!clientId)
    return aadError(
      ctx,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  const scope = form.get("scope");
  if (!scope)
    return aadError(
      ctx,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  const scopes = scope.split(/\s+/).filter((s) => s && !["openid", "profile", "offline_access"].includes(s));
  const first = scopes[0] ?? "";
  if (scopes.length !== 1 || !first.endsWith("/.default")) {
    return aadError(
      ctx,
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = first.slice(0, -"/.default".length).replace(/\/+$/, "");
  const aud = KNOWN_RESOURCES[resource.toLowerCase()];
  if (!aud)
    return aadError(
      ctx,
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${dir.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );

  // A multi-tenant app registered elsewhere is in this directory only once an administrator of
  // this tenant consented to it (its service principal): until then Entra answers AADSTS700016,
  // "UnauthorizedClient_DoesNotMatchRequest - The application wasn't found in the directory/tenant.
  // This can happen if the application has not been installed by the administrator of the tenant
  // or consented to by any user in the tenant." (MicrosoftDocs/entra-docs,
  // docs/identity-platform/reference-error-codes.md). In the app's own tenant a registration
  // without its service principal is AADSTS7000229 (below).
  const app = dir.apps.find((a) => a.appId.toLowerCase() === clientId.toLowerCase());
  if (!app) {
    return aadError(
      ctx,
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${dir.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const assertionType = form.get("client_assertion_type");
  if (assertionType !== null || form.get("client_assertion") !== null)
    return federatedToken(ctx, dir, app, assertionType, form.get("client_assertion") ?? "", aud, resource);
  if (!clientSecret) {
    recordSignIn(ctx, app, "7000218", "missing credential", null, resource);
    return aadError(
      ctx,
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  if (!app.servicePrincipal) {
    return aadError(
      ctx,
      400,
      "invalid_client",
      7000229,
      `The client application ${app.appId} is missing service principal in the tenant ${dir.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    );
  }
  if (!app.servicePrincipal.accountEnabled) {
    recordSignIn(ctx, app, "7000112", "Application is disabled.", null, resource);
    return aadError(
      ctx,
      400,
      "unauthorized_client",
      7000112,
      `Application '${app.appId}'(${app.displayName}) is disabled.`,
    );
  }
  const now = ctx.now();
  const cred: PasswordCredential | undefined = app.passwordCredentials.find((c) => c.secretText === clientSecret);
  const invalid = () => {
    recordSignIn(ctx, app, "7000215", "Invalid client secret is provided.", cred?.keyId ?? null, resource);
    return aadError(
      ctx,
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
    );
  };
  if (!cred) return invalid();
  if (Date.parse(cred.endDateTime) <= now) {
    recordSignIn(ctx, app, "7000222", "The provided client secret keys are expired.", cred.keyId, resource);
    return aadError(
      ctx,
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  if (Date.parse(cred.startDateTime) > now) return invalid();
  if (now - Date.parse(cred.createdDateTime) < state.secretPropagationMs) return invalid();

  const roles = aud === AUDIENCE.graph ? app.graphRoles.slice() : [];
  const info = ctx.tokens.issue(ctx.url, app, dir.tenantId, aud, roles, now, cred.keyId);
  recordSignIn(ctx, app, "0", "", cred.keyId, resource);
  return json(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: info.token });
}

/** The managed identity endpoint's refusal: JSON with the reason (the docs show only the success body). */
const miError = (status: number, message: string): EmuResponse =>
  json(status, { statusCode: status, message, correlationId: randomUUID() });

/**
 * The Function App's managed identity endpoint (IDENTITY_ENDPOINT), as App Service and Functions
 * document it: GET with `resource` and `api-version=2019-08-01` in the query and the value of
 * IDENTITY_HEADER in `X-IDENTITY-HEADER` (it mitigates server-side request forgery); a user-assigned
 * identity is named by exactly one of `client_id`, `principal_id` (alias `object_id`) or
 * `mi_res_id`; with none, the system-assigned identity is used, and this app has none (the
 * deployment gives it a user-assigned identity only). The answer is `access_token`, `expires_on`
 * and `not_before` (seconds since the epoch, as strings), `resource`, `token_type` and `client_id`.
 * Source: MicrosoftDocs/azure-docs, articles/app-service/overview-managed-identity.md, "Using the
 * REST protocol" (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference).
 * The docs do not show the refusals' bodies: here a status and a message.
 */
function managedIdentityToken(ctx: RouteContext, req: EmuRequest): EmuResponse {
  if (req.method !== "GET") return miError(405, `The method ${req.method} is not allowed: use GET.`);
  if (req.headers["x-identity-header"] !== ctx.identity.identityHeader)
    return miError(401, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.");
  const q = req.query;
  if (q.get("api-version") !== "2019-08-01")
    return miError(400, `api-version '${q.get("api-version") ?? ""}' is not supported: use 2019-08-01.`);
  const resource = (q.get("resource") ?? "").replace(/\/+$/, "");
  const aud = KNOWN_RESOURCES[resource.toLowerCase()];
  if (!aud) return miError(400, `The resource '${resource}' is not a known resource.`);
  const ids = ["client_id", "principal_id", "object_id", "mi_res_id"].filter((k) => q.has(k));
  if (ids.length > 1) return miError(400, `Only one of ${ids.join(", ")} may be given.`);
  const monitor = ctx.state.apps[0]!;
  const sp = monitor.servicePrincipal;
  const named = ids[0];
  const value = (named ? q.get(named) : "")!.toLowerCase();
  const matches =
    named === "client_id"
      ? value === monitor.appId.toLowerCase()
      : named === "principal_id" || named === "object_id"
        ? value === (sp?.id ?? "").toLowerCase()
        : named === "mi_res_id"
          ? value === MONITOR_IDENTITY_RESOURCE_ID.toLowerCase()
          : false;
  if (!matches || !sp)
    return miError(
      400,
      named ? `No managed identity of this app has that ${named}.` : "This app has no system-assigned identity.",
    );
  const roles = aud === AUDIENCE.graph ? monitor.graphRoles.slice() : [];
  const info = ctx.tokens.issue(ctx.url, monitor, ctx.state.tenantId, aud, roles, ctx.now(), "");
  return json(200, {
    access_token: info.token,
    expires_on: String(Math.floor(info.expiresAtReal / 1000)),
    not_before: String(Math.floor(Date.now() / 1000)),
    resource,
    token_type: "Bearer",
    client_id: monitor.appId,
  });
}

/**
 * Client credentials with a client assertion (RFC 7523 `client_assertion_type` jwt-bearer): here
 * the assertion is a token this emulator issued (a managed identity's, for the token-exchange
 * audience), and the app's registration must hold a federated identity credential whose issuer,
 * subject and audience equal the assertion's `iss`, `sub` and `aud`
 * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
 * The refusals are Entra's: AADSTS70021 "No matching federated identity record found for presented
 * assertion. Assertion Issuer: … Assertion Subject: … Assertion Audience: …" (MicrosoftDocs/
 * azure-devops-docs, docs/pipelines/release/includes/errors-workload-identity.md: it names the
 * claims, never the assertion); AADSTS700024 for an assertion past its lifetime (same page);
 * AADSTS50027 for one that is not a valid JWT (entra-docs reference-error-codes.md, InvalidJwtToken);
 * AADSTS700236 for a token of another tenant's issuer presented to an app registered in this one
 * (a Microsoft Entra token can be a federated credential only for an app in its own tenant: the
 * page above, "Both the Microsoft Entra app and managed identity must belong to the same tenant").
 */
function federatedToken(
  ctx: RouteContext,
  dir: TenantDirectory,
  app: AppRegistration,
  assertionType: string | null,
  assertion: string,
  aud: string,
  resource: string,
): EmuResponse {
  if (assertionType !== JWT_BEARER)
    return aadError(
      ctx,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'client_assertion_type'.",
    );
  const presented = ctx.tokens.issued.get(assertion);
  if (!presented) {
    recordSignIn(ctx, app, "50027", "Invalid JWT token.", null, resource);
    return aadError(ctx, 401, "invalid_client", 50027, "JWT token is invalid or is malformed.");
  }
  if (presented.revoked || Date.now() >= presented.expiresAtReal)
    return aadError(
      ctx,
      400,
      "invalid_client",
      700024,
      "Client assertion is not within its valid time range. Ensure that the access token isn't expired before using it for user assertion, or request a new token.",
    );
  const registration = registrationOf(ctx.state, app);
  const home = registration === app ? dir.tenantId : (app.homeTenantId ?? "");
  const issuerTenant = /\/([0-9a-f-]{36})\/(v2\.0)?$/i.exec(presented.iss)?.[1];
  if (issuerTenant !== undefined && issuerTenant.toLowerCase() !== home.toLowerCase())
    return aadError(
      ctx,
      400,
      "invalid_request",
      700236,
      `Entra ID tokens issued by issuer '${presented.iss}' may not be used for federated identity credential flows for applications or managed identities registered in this tenant.`,
    );
  const match = (registration?.federatedIdentityCredentials ?? []).find(
    (f) => f.issuer === presented.iss && f.subject === presented.sub && f.audiences.includes(presented.aud),
  );
  if (!match) {
    recordSignIn(ctx, app, "70021", "No matching federated identity record found.", null, resource);
    return aadError(
      ctx,
      400,
      "invalid_request",
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${presented.iss}'. Assertion Subject: '${presented.sub}'. Assertion Audience: '${presented.aud}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  if (!app.servicePrincipal)
    return aadError(
      ctx,
      400,
      "invalid_client",
      7000229,
      `The client application ${app.appId} is missing service principal in the tenant ${dir.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    );
  if (!app.servicePrincipal.accountEnabled)
    return aadError(
      ctx,
      400,
      "unauthorized_client",
      7000112,
      `Application '${app.appId}'(${app.displayName}) is disabled.`,
    );
  const roles = aud === AUDIENCE.graph ? app.graphRoles.slice() : [];
  const info = ctx.tokens.issue(ctx.url, app, dir.tenantId, aud, roles, ctx.now(), match.name);
  recordSignIn(ctx, app, "0", "", null, resource);
  return json(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: info.token });
}

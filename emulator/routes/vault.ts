import { randomUUID } from "node:crypto";
import { AUDIENCE, IDS, KEY_VAULT_NAME, MONITOR_APP_ID } from "../constants.js";
import { json, parseJsonBody, scopeCovers, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import { randomHex } from "../random.js";
import type { VaultSecret, VaultSecretVersion } from "../state.js";

export function vaultError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
  inner?: unknown,
): EmuResponse {
  const error: Record<string, unknown> = { code, message };
  if (inner) error["innererror"] = inner;
  return json(
    status,
    { error },
    { "x-ms-request-id": randomUUID(), "x-ms-keyvault-service-version": "1.9.2555.1", ...headers },
  );
}

function challenge(ctx: RouteContext): Record<string, string> {
  return {
    "WWW-Authenticate": `Bearer authorization="${ctx.url}/${ctx.state.tenantId}", resource="${AUDIENCE.vault}"`,
  };
}

function bundle(ctx: RouteContext, s: VaultSecret, v: VaultSecretVersion, withValue: boolean): Record<string, unknown> {
  const attributes: Record<string, unknown> = { enabled: v.enabled };
  if (v.nbf !== null) attributes["nbf"] = v.nbf;
  if (v.exp !== null) attributes["exp"] = v.exp;
  Object.assign(attributes, {
    created: v.created,
    updated: v.updated,
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: 90,
  });
  const out: Record<string, unknown> = {};
  if (withValue) out["value"] = v.value;
  out["id"] = `${ctx.url}/secrets/${s.name}/${v.version}`;
  if (v.contentType !== null) out["contentType"] = v.contentType;
  out["attributes"] = attributes;
  out["tags"] = { ...v.tags };
  return out;
}

const notFound = (name: string, version?: string) =>
  vaultError(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

export function vaultRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const auth = req.headers["authorization"];
  if (typeof auth !== "string" || !auth)
    return vaultError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", challenge(ctx));
  const chk = ctx.tokens.check(req, [AUDIENCE.vault]);
  if (!chk.ok) {
    const msg =
      chk.reason === "audience"
        ? `AKV10022: Invalid audience. Expected ${AUDIENCE.vault}, found: ${chk.found}.`
        : chk.reason === "expired"
          ? "AKV10032: Token expired."
          : "AKV10000: Request is missing a Bearer or PoP token.";
    return vaultError(401, "Unauthorized", msg, challenge(ctx));
  }
  if (!req.query.get("api-version"))
    return vaultError(400, "BadParameter", "The request URI contains an invalid or missing api-version.");
  const tok = chk.info;
  const segs = req.path.split("/").filter(Boolean);
  if (segs[0] !== "secrets") return vaultError(404, "NotFound", "The requested resource was not found.");
  const action =
    req.method === "GET" ? "getSecret/action" : req.method === "PUT" ? "setSecret/action" : "update/action";
  if (tok.appId !== MONITOR_APP_ID || [...ctx.state.monitorDenied].some((d) => scopeCovers(d, IDS.vault))) {
    return vaultError(
      403,
      "Forbidden",
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${tok.appId};oid=${tok.oid};iss=${ctx.url}/${tok.tid}/\r\nAction: 'Microsoft.KeyVault/vaults/secrets/${action}'\r\nResource: '${IDS.vault.toLowerCase()}/secrets/${segs[1] ?? ""}'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${KEY_VAULT_NAME};location=westeurope\r\n`,
      undefined,
      { code: "ForbiddenByRbac" },
    );
  }
  const secrets = ctx.state.vault.secrets;
  const name = segs[1];
  const second = segs[2];
  if (!name) {
    if (req.method !== "GET") return vaultError(405, "MethodNotAllowed", "Method not allowed");
    const value = Object.values(secrets)
      .filter((s) => s.versions.length > 0)
      .map((s) => {
        const cur = s.versions[s.versions.length - 1]!;
        const { value: _v, ...rest } = bundle(ctx, s, cur, false);
        return { ...rest, id: `${ctx.url}/secrets/${s.name}` };
      });
    return json(200, { value, nextLink: null });
  }
  if (!/^[0-9a-zA-Z-]{1,127}$/.test(name))
    return vaultError(400, "BadParameter", "The request URI contains an invalid name: " + name);
  const secret = secrets[name];

  if (req.method === "PUT" && !second) {
    let body: any;
    try {
      body = parseJsonBody(req);
    } catch {
      return vaultError(400, "BadParameter", "The request body is not valid JSON.");
    }
    if (!body || typeof body.value !== "string")
      return vaultError(400, "BadParameter", "Property 'value' is required.");
    const tags = body.tags ?? {};
    if (Object.keys(tags).length > 15)
      return vaultError(400, "BadParameter", "The number of tags exceeds the limit of 15.");
    const nowSec = Math.floor(ctx.now() / 1000);
    const v: VaultSecretVersion = {
      version: randomHex(16),
      value: body.value,
      contentType: typeof body.contentType === "string" ? body.contentType : null,
      tags: { ...tags },
      enabled: body.attributes?.enabled ?? true,
      created: nowSec,
      updated: nowSec,
      exp: typeof body.attributes?.exp === "number" ? body.attributes.exp : null,
      nbf: typeof body.attributes?.nbf === "number" ? body.attributes.nbf : null,
    };
    const s = secret ?? (secrets[name] = { name, versions: [] });
    s.versions.push(v);
    return json(200, bundle(ctx, s, v, true));
  }
  if (!secret || secret.versions.length === 0)
    return notFound(name, second && second !== "versions" ? second : undefined);

  if (req.method === "GET" && second === "versions") {
    const value = secret.versions.map((v) => bundle(ctx, secret, v, false));
    return json(200, { value, nextLink: null });
  }
  const version = second
    ? secret.versions.find((v) => v.version.toLowerCase() === second.toLowerCase())
    : secret.versions[secret.versions.length - 1];
  if (!version) return notFound(name, second);
  if (req.method === "GET") {
    if (!version.enabled)
      return vaultError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", undefined, {
        code: "SecretDisabled",
      });
    return json(200, bundle(ctx, secret, version, true));
  }
  if (req.method === "PATCH") {
    let body: any;
    try {
      body = parseJsonBody(req) ?? {};
    } catch {
      return vaultError(400, "BadParameter", "The request body is not valid JSON.");
    }
    if (body.tags !== undefined) {
      if (Object.keys(body.tags ?? {}).length > 15)
        return vaultError(400, "BadParameter", "The number of tags exceeds the limit of 15.");
      version.tags = { ...(body.tags ?? {}) };
    }
    if (typeof body.contentType === "string") version.contentType = body.contentType;
    const a = body.attributes ?? {};
    if (typeof a.enabled === "boolean") version.enabled = a.enabled;
    if (a.exp !== undefined) version.exp = a.exp;
    if (a.nbf !== undefined) version.nbf = a.nbf;
    version.updated = Math.floor(ctx.now() / 1000);
    return json(200, bundle(ctx, secret, version, false));
  }
  return vaultError(405, "MethodNotAllowed", `The requested method ${req.method} is not allowed.`);
}

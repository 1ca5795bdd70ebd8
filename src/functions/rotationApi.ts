import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { ConfigError } from "../config/loadConfig.js";
import { parseConfirmation } from "../rotation/confirm.js";
import { loggerFrom } from "../core/logger.js";

export interface RotationApiDeps {
  getMonitor: () => Monitor;
}

const NO_STORE = { "cache-control": "no-store" };

function monitorOr503(deps: RotationApiDeps, context: InvocationContext): Monitor | HttpResponseInit {
  try {
    return deps.getMonitor();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    loggerFrom(context).error("rotation settings invalid", { settings: e.problems.map((p) => p.setting).join(",") });
    return { status: 503, jsonBody: { error: "invalid settings", settings: e.problems.map((p) => p.setting) } };
  }
}

/** GET /api/rotation (authLevel function): the recorded state (ids, dates, names; never a secret). */
export function rotationStateHandler(deps: RotationApiDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (request.method !== "GET")
      return { status: 405, headers: { allow: "GET" }, jsonBody: { error: "only GET is allowed" } };
    const m = monitorOr503(deps, context);
    if (!("rotation" in m)) return m;
    const view = await m.rotation.view();
    return { status: view.configured ? 200 : 503, jsonBody: view, headers: NO_STORE };
  };
}

/**
 * POST /api/rotation/confirm (authLevel admin): an administrator confirms Keeper uses the new
 * secret. Body exactly { rotationId, keyId, confirmedBy }; a bad field is a 400 naming it. A
 * replay is a 409 naming the recorded confirmer and time; the state stays. With
 * ROTATION_CONFIRM_ENTRA_AUTH the confirmer is the signed-in caller (401 without one).
 */
export function rotationConfirmHandler(deps: RotationApiDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (request.method !== "POST")
      return { status: 405, headers: { allow: "POST" }, jsonBody: { error: "only POST is allowed" } };
    const text = await request.text();
    if (text.length > 4096) return { status: 413, jsonBody: { error: "body too large (at most 4096 bytes)" } };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: 400, jsonBody: { field: "body", error: "not valid JSON" } };
    }
    const m = monitorOr503(deps, context);
    if (!("rotation" in m)) return m;
    const log = loggerFrom(context);
    let principal: string | undefined;
    if (m.config.rotation.confirmEntraAuth) {
      const p = signedInCaller(request);
      if (!p.ok) {
        log.warn("rotation confirm refused", { reason: p.error });
        return { status: 401, jsonBody: { error: p.error } };
      }
      principal = p.name;
    }
    const parsed = parseConfirmation(body, { principal });
    if (!parsed.ok)
      return { status: 400, jsonBody: { field: parsed.field, error: `${parsed.field}: ${parsed.error}` } };
    const r = await m.rotation.confirm(parsed.value);
    if (r.status === "notConfigured") return { status: 503, jsonBody: { error: r.reason } };
    if (r.status === "conflict") {
      log.warn("rotation confirm refused", { reason: r.reason });
      return { status: 409, jsonBody: { error: r.reason } };
    }
    if (r.status === "alreadyConfirmed") {
      // A replay changes nothing: the recorded confirmer and time stay, and the reply names them.
      const error = `already confirmed by ${r.state.confirmedBy ?? "?"} at ${r.state.confirmedAt ?? "?"}`;
      log.warn("rotation confirm refused", { reason: error, caller: parsed.value.confirmedBy });
      return {
        status: 409,
        jsonBody: { error, confirmedBy: r.state.confirmedBy, confirmedAt: r.state.confirmedAt },
        headers: NO_STORE,
      };
    }
    log.info("rotation cut-over confirmed", {
      rotationId: parsed.value.rotationId,
      keyId: parsed.value.keyId,
      confirmedBy: parsed.value.confirmedBy,
    });
    return {
      status: 200,
      jsonBody: {
        confirmed: true,
        rotationId: r.state.rotationId,
        keyId: r.state.newKeyId,
        confirmedBy: r.state.confirmedBy,
        confirmedAt: r.state.confirmedAt,
        next: "the next secretRotation run retires the old secret",
      },
      headers: NO_STORE,
    };
  };
}

/**
 * The caller App Service Authentication signed in: X-MS-CLIENT-PRINCIPAL is Base64 JSON
 * `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }`; the platform sets it and external
 * requests cannot (https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 * The name is the claim of type `name_typ`, else `preferred_username`, else X-MS-CLIENT-PRINCIPAL-NAME.
 */
export function signedInCaller(request: HttpRequest): { ok: true; name: string } | { ok: false; error: string } {
  const header = request.headers.get("x-ms-client-principal");
  if (!header)
    return {
      ok: false,
      error: "Entra authentication required (ROTATION_CONFIRM_ENTRA_AUTH): no X-MS-CLIENT-PRINCIPAL; sign in first",
    };
  let p: { name_typ?: unknown; claims?: unknown };
  try {
    p = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as typeof p;
  } catch {
    return { ok: false, error: "X-MS-CLIENT-PRINCIPAL is not Base64 JSON" };
  }
  const claims = Array.isArray(p?.claims) ? (p.claims as Array<{ typ?: unknown; val?: unknown }>) : [];
  const claim = (typ: unknown) => claims.find((c) => typeof c?.typ === "string" && c.typ === typ)?.val;
  const name = [
    claim(p?.name_typ),
    claim("preferred_username"),
    request.headers.get("x-ms-client-principal-name"),
  ].find((v): v is string => typeof v === "string" && v.trim() !== "");
  if (name === undefined) return { ok: false, error: "X-MS-CLIENT-PRINCIPAL names no caller" };
  return { ok: true, name };
}

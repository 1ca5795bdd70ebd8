import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Monitor } from "../wiring.js";
import { ConfigError } from "../config/loadConfig.js";
import { parseConfirmation } from "../rotation/confirm.js";
import { loggerFrom } from "./logger.js";

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
 * secret. Body exactly { rotationId, keyId, confirmedBy }; a bad field is a 400 naming it.
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
    const parsed = parseConfirmation(body);
    if (!parsed.ok)
      return { status: 400, jsonBody: { field: parsed.field, error: `${parsed.field}: ${parsed.error}` } };
    const m = monitorOr503(deps, context);
    if (!("rotation" in m)) return m;
    const r = await m.rotation.confirm(parsed.value);
    const log = loggerFrom(context);
    if (r.status === "notConfigured") return { status: 503, jsonBody: { error: r.reason } };
    if (r.status === "conflict") {
      log.warn("rotation confirm refused", { reason: r.reason });
      return { status: 409, jsonBody: { error: r.reason } };
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

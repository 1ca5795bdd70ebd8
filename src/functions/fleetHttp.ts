import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { SetAside } from "../app/checkQueue.js";
import type { App } from "../app/compose.js";
import { type Fleet, type Target } from "../app/fleet.js";
import { TARGET_KEY } from "../app/target.js";
import { ConfigError } from "../config/loadConfig.js";
import { visible } from "../core/safeText.js";
import { renderFleetIndex, type FleetRow } from "../report/statusPage.js";
import { htmlHeaders, toHealthBody } from "./health.js";
import { mapLimit } from "../core/mapLimit.js";

/** The invocation's context whose log lines also name the target. */
export function contextFor<C extends InvocationContext>(context: C, key: string): C {
  const tagged = Object.create(context) as C;
  const tag = `target=${key}`;
  Object.assign(tagged, {
    log: (...a: unknown[]) => context.log(...a, tag),
    warn: (...a: unknown[]) => context.warn(...a, tag),
    error: (...a: unknown[]) => context.error(...a, tag),
  });
  return tagged;
}

const noStore = { "cache-control": "no-store" };
const reply = (status: number, error: string): HttpResponseInit => ({ status, jsonBody: { error }, headers: noStore });

/** The target `?target=` names; a reply when it names none that is watched. */
function chosen(fleet: Fleet, request: HttpRequest): Target | HttpResponseInit {
  const targets = fleet.targets();
  const key = request.query.get("target");
  if (!fleet.several() && targets.length === 1) {
    if (key !== null && key !== targets[0]!.key) return reply(404, `no connector "${visible(key, 80)}" is watched`);
    return targets[0]!;
  }
  if (key === null)
    return reply(
      400,
      "this deployment watches several connectors: name one with ?target=<key> (GET /api/health lists them)",
    );
  if (!TARGET_KEY.test(key))
    return reply(400, `"${visible(key, 80)}" is not a target key (lower-case letters, digits and dashes)`);
  return fleet.target(key) ?? reply(404, `no connector "${key}" is watched (GET /api/health lists them)`);
}

/** The request as the health handler reads it (method and query), without `target`. */
function withoutTarget(request: HttpRequest): HttpRequest {
  const query = new URLSearchParams(request.query);
  query.delete("target");
  return { method: request.method, url: request.url, headers: request.headers, query } as unknown as HttpRequest;
}

/** An HTTP handler of one target: `?target=<key>` names it when the deployment watches several. */
export function perTarget(fleet: Fleet, handlerFor: (app: App) => HttpHandler): HttpHandler {
  return async (request, context) => {
    await fleet.load();
    const t = chosen(fleet, request);
    if (!("app" in t)) return t;
    return handlerFor(t.app)(request, fleet.several() ? contextFor(context, t.key) : context);
  };
}

/** At most this many targets' stored state is read at once for the index. */
const INDEX_CONCURRENCY = 16;

/**
 * GET /api/health. One connector: today's answer. Several: `?target=<key>` is that connector's
 * answer (and page); without it, the index of every connector, as JSON
 * `{ version: 1, status, healthy, checkedAt, targets: [...] }` or (format=html) a page linking
 * to each; HTTP 200 when every connector is healthy, else 503. The index answers from stored runs
 * only; `refresh=true` needs a target. Checks the host set aside after repeated failures (the
 * poison queue) are listed under `setAside`, and make the index unhealthy.
 */
export function fleetHealthHandler(
  fleet: Fleet,
  handlerFor: (app: App) => HttpHandler,
  setAside: () => Promise<{ items: SetAside[]; total: number }> | undefined = () => undefined,
): HttpHandler {
  return async (request, context) => {
    await fleet.load();
    if (!fleet.several() || request.query.has("target")) {
      const t = chosen(fleet, request);
      if (!("app" in t)) return t;
      return handlerFor(t.app)(withoutTarget(request), fleet.several() ? contextFor(context, t.key) : context);
    }
    for (const [name, value] of request.query.entries()) {
      if (!["format", "code", "refresh"].includes(name))
        return reply(400, `unknown query parameter "${visible(name, 40)}": expected target, refresh or format`);
      if (name === "format" && value !== "json" && value !== "html")
        return reply(400, `query parameter "format" must be json or html (got "${visible(value, 40)}")`);
    }
    if (request.query.get("refresh") === "true")
      return reply(400, "refresh runs one connector's checks: name it with ?target=<key>");
    const now = fleet.now();
    const [rows, aside] = await Promise.all([
      mapLimit(fleet.targets(), INDEX_CONCURRENCY, (t) => rowOf(t, now)),
      setAsideOrNote(setAside, context),
    ]);
    const healthy = rows.every((r) => r.healthy) && aside.total === 0;
    const status =
      rows.some((r) => r.status === "problem") || aside.total > 0
        ? "problem"
        : rows.some((r) => r.status === "unknown") || aside.note
          ? "unknown"
          : "ok";
    const code = healthy ? 200 : 503;
    if (request.query.get("format") === "html")
      return {
        status: code,
        headers: htmlHeaders,
        body: renderFleetIndex({ now: now.toISOString(), httpStatus: code, rows, setAside: aside }),
      };
    return {
      status: code,
      headers: noStore,
      jsonBody: {
        version: 1,
        status,
        healthy,
        checkedAt: now.toISOString(),
        targets: rows.map((r) => ({
          target: r.key,
          label: r.label,
          status: r.status,
          healthy: r.healthy,
          ...(r.open !== undefined ? { checksNotOk: r.open } : {}),
          ...(r.checkedAt ? { checkedAt: r.checkedAt } : {}),
          ...(r.note ? { error: r.note } : {}),
        })),
        ...(aside.total || aside.note
          ? { setAside: { total: aside.total, checks: aside.items, ...(aside.note ? { error: aside.note } : {}) } }
          : {}),
      },
    };
  };
}

/** The set-aside checks; a note instead when the poison queue cannot be read. */
async function setAsideOrNote(
  setAside: () => Promise<{ items: SetAside[]; total: number }> | undefined,
  context: InvocationContext,
): Promise<{ items: SetAside[]; total: number; note?: string }> {
  try {
    return (await setAside()) ?? { items: [], total: 0 };
  } catch (e) {
    context.warn(`could not read the set-aside checks: ${e instanceof Error ? e.name : "error"}`);
    return { items: [], total: 0, note: "could not read the set-aside checks" };
  }
}

/** One connector's index row from its stored runs; settings it cannot use make it unknown. */
async function rowOf(t: Target, now: Date): Promise<FleetRow> {
  const base = { key: t.key, label: t.label };
  let runs;
  try {
    runs = await t.app.getAlerting().store.runs.latest();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return {
      ...base,
      status: "unknown",
      healthy: false,
      note: `invalid settings: ${e.problems.map((p) => p.setting).join(", ")}`,
    };
  }
  if (runs.length === 0) return { ...base, status: "unknown", healthy: false, note: "no run recorded yet" };
  const body = toHealthBody(runs, now);
  return {
    ...base,
    status: body.status,
    healthy: body.healthy,
    open: body.checks.filter((c) => c.status !== "ok").length,
    checkedAt: body.checkedAt,
  };
}

import { gunzipSync } from "node:zlib";
import { AUDIENCE, ROLE } from "../constants.js";
import { json, scopeCovers, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import { KqlSemanticError, KqlSyntaxError, runQuery, type Frame } from "../kql/index.js";
import type { ArmResource, EmulatorState } from "../state.js";
import { normalize } from "./logs.js";

const MAX_BODY = 1024 * 1024;

export function ingestionError(status: number, code: string, message: string): EmuResponse {
  return json(status, { error: { code, message } });
}

function lower(t: string): string {
  const x = t.toLowerCase();
  return x === "datetime" ? "datetime" : x === "boolean" ? "bool" : x;
}

export function ingestionRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const { state } = ctx;
  // Is a DCE still answering on this host? If none names this endpoint, the host is gone: drop the connection.
  const served = Object.values(state.resources).some(
    (r) =>
      r.type.toLowerCase() === "microsoft.insights/datacollectionendpoints" &&
      String(r.properties["logsIngestion"]?.endpoint ?? "").replace(/\/+$/, "") === ctx.url,
  );
  if (!served) return { status: 0, destroy: true };
  const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)\/?$/i.exec(req.path);
  if (!m) return ingestionError(404, "NotFound", "The requested resource was not found.");
  if (req.method !== "POST")
    return ingestionError(405, "MethodNotAllowed", `The requested method ${req.method} is not allowed.`);
  if (!req.query.get("api-version"))
    return ingestionError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  const chk = ctx.tokens.check(req, [AUDIENCE.ingestion]);
  if (!chk.ok) {
    return chk.reason === "missing"
      ? ingestionError(401, "AuthorizationRequired", "Authorization header is missing.")
      : ingestionError(
          401,
          "InvalidToken",
          chk.reason === "audience"
            ? `The audience '${chk.found}' of the token is not valid.`
            : "The provided token is invalid or expired.",
        );
  }
  const immutableId = m[1]!;
  const stream = decodeURIComponent(m[2]!);
  const dcr = Object.values(state.resources).find(
    (r) =>
      r.type.toLowerCase() === "microsoft.insights/datacollectionrules" &&
      String(r.properties["immutableId"]) === immutableId,
  );
  if (!dcr)
    return ingestionError(404, "NotFound", `Data collection rule with immutable Id '${immutableId}' not found.`);
  const at = new Date(ctx.now()).toISOString();
  const record = (status: number, rowsReceived: number, rowsDropped: number) =>
    state.ingestionCalls.push({
      at,
      immutableId,
      stream,
      status,
      rowsReceived,
      rowsDropped,
      principalId: chk.info.oid || null,
    });

  const allowed = state.roleAssignments.some(
    (a) =>
      a.principalId.toLowerCase() === chk.info.oid.toLowerCase() &&
      a.roleDefinitionGuid === ROLE.monitoringMetricsPublisher &&
      scopeCovers(a.scope, dcr.id),
  );
  if (!allowed) {
    record(403, 0, 0);
    return ingestionError(
      403,
      "OperationFailed",
      `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${immutableId}'.`,
    );
  }
  const decl = dcr.properties["streamDeclarations"]?.[stream];
  const flows: any[] = (dcr.properties["dataFlows"] ?? []).filter(
    (f: any) => Array.isArray(f.streams) && f.streams.includes(stream),
  );
  if (!decl || flows.length === 0) {
    record(400, 0, 0);
    return ingestionError(
      400,
      "InvalidStream",
      `Data collection rule with immutable Id '${immutableId}' does not have a stream named '${stream}'.`,
    );
  }
  let raw = req.body;
  if (String(req.headers["content-encoding"] ?? "").toLowerCase() === "gzip") {
    try {
      raw = gunzipSync(raw);
    } catch {
      record(400, 0, 0);
      return ingestionError(400, "InvalidContentEncoding", "The request body could not be decompressed.");
    }
  }
  if (raw.length > MAX_BODY) {
    record(413, 0, 0);
    return ingestionError(413, "ContentLengthLimitExceeded", "Maximum allowed content length: 1048576 bytes (1 MB).");
  }
  let rows: unknown;
  try {
    rows = JSON.parse(raw.toString("utf8"));
  } catch {
    record(400, 0, 0);
    return ingestionError(400, "InvalidPayload", "Data provided is not in valid format.");
  }
  if (!Array.isArray(rows)) {
    record(400, 0, 0);
    return ingestionError(400, "InvalidPayload", "Data provided is not in valid format: expected a JSON array.");
  }
  const dropped = writeRows(state, dcr, decl.columns ?? [], flows, rows as Array<Record<string, unknown>>, ctx.now());
  record(204, rows.length, dropped);
  return { status: 204 };
}

/** Run the DCR data flows over the rows; returns how many rows were dropped. */
export function writeRows(
  state: EmulatorState,
  dcr: ArmResource,
  declColumns: Array<{ name: string; type: string }>,
  flows: any[],
  rows: Array<Record<string, unknown>>,
  nowMs: number,
): number {
  const cols = declColumns.map((c) => ({ name: c.name, type: lower(c.type) }));
  const source: Frame = { columns: cols, rows: rows.map((r) => cols.map((c) => normalize(r?.[c.name], c.type))) };
  let dropped = 0;
  for (const flow of flows) {
    let out: Frame;
    try {
      out =
        flow.transformKql && String(flow.transformKql).trim() !== "source"
          ? runQuery(String(flow.transformKql), { now: nowMs, table: (n) => (n === "source" ? source : undefined) })
          : source;
    } catch (e) {
      if (e instanceof KqlSyntaxError || e instanceof KqlSemanticError) {
        dropped = Math.max(dropped, rows.length);
        continue;
      }
      throw e;
    }
    const outputStream = String(flow.outputStream ?? "");
    const tableName = outputStream.startsWith("Custom-")
      ? outputStream.slice("Custom-".length)
      : outputStream.replace(/^Microsoft-/, "");
    const dests: any[] = dcr.properties["destinations"]?.logAnalytics ?? [];
    let wrote = false;
    for (const destName of flow.destinations ?? []) {
      const dest = dests.find((d) => d.name === destName);
      if (!dest || String(dest.workspaceResourceId).toLowerCase() !== state.tablesWorkspaceId.toLowerCase()) continue;
      const wsExists = Object.keys(state.resources).some(
        (k) => k.toLowerCase() === state.tablesWorkspaceId.toLowerCase(),
      );
      const tableRes = Object.values(state.resources).find(
        (r) => r.id.toLowerCase() === `${state.tablesWorkspaceId}/tables/${tableName}`.toLowerCase(),
      );
      const store = state.tables[tableName];
      if (!wsExists || !tableRes || !store) continue;
      const tableCols: Array<{ name: string; type: string }> = tableRes.properties["schema"]?.columns ?? [];
      for (const r of out.rows) {
        const rec: Record<string, unknown> = {};
        out.columns.forEach((c, i) => {
          const tc = tableCols.find((x) => x.name === c.name);
          if (!tc) return; // columns the table lacks are dropped
          const v = r[i];
          const tt = lower(tc.type);
          rec[c.name] =
            tt === c.type || v === null
              ? v
              : normalize(
                  tt === "string" && typeof v === "number" && c.type === "datetime" ? new Date(v).toISOString() : v,
                  tt,
                );
        });
        if (rec["TimeGenerated"] === undefined || rec["TimeGenerated"] === null) rec["TimeGenerated"] = nowMs;
        store.rows.push(rec);
      }
      wrote = true;
    }
    if (!wrote) dropped = Math.max(dropped, rows.length);
  }
  return dropped;
}

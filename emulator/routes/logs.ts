import { randomUUID } from "node:crypto";
import { AUDIENCE, MONITOR_APP_ID } from "../constants.js";
import { json, parseJsonBody, scopeCovers, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import { formatCell, KqlSemanticError, KqlSyntaxError, runQuery, toDatetimeMs, type Frame } from "../kql/index.js";
import type { EmulatorState, TableStore } from "../state.js";
import { parseQueryTimespan } from "../timespan.js";
import { permits } from "../rbac.js";

export function logsError(status: number, code: string, message: string, inner?: unknown): EmuResponse {
  const error: Record<string, unknown> = { message, code, correlationId: randomUUID() };
  if (inner) error["innererror"] = inner;
  return json(status, { error });
}

function workspaceByCustomerId(state: EmulatorState, customerId: string) {
  return Object.values(state.resources).find(
    (r) =>
      r.type.toLowerCase() === "microsoft.operationalinsights/workspaces" &&
      String(r.properties["customerId"]).toLowerCase() === customerId.toLowerCase(),
  );
}

/**
 * Rows normalized to LA types, per table store. Stores only grow by `push` (scenarios that drop
 * rows assign a new array), so a query normalizes just the records added since the last one: the
 * simulation queries the same 14 days every 5 minutes, and re-parsing every record's datetimes and
 * dynamic JSON each time was most of its cost. A new array, or a column added or retyped (a
 * scenario), starts the cache afresh.
 */
interface NormalizedCache {
  source: TableStore["rows"];
  key: string;
  rows: unknown[][];
  /** TimeGenerated per row (ms), null when absent. */
  times: Array<number | null>;
}
const normalizedStores = new WeakMap<TableStore, NormalizedCache>();

function normalizedRows(store: TableStore, tenantId: string, tableName: string): NormalizedCache {
  const key = `${tenantId}|${tableName}|${store.columns.map((c) => `${c.name}:${c.type}`).join(",")}`;
  let cache = normalizedStores.get(store);
  if (cache?.source !== store.rows || cache.key !== key || cache.rows.length > store.rows.length) {
    cache = { source: store.rows, key, rows: [], times: [] };
    normalizedStores.set(store, cache);
  }
  const tgIdx = store.columns.findIndex((c) => c.name === "TimeGenerated");
  for (let i = cache.rows.length; i < store.rows.length; i++) {
    const rec = store.rows[i]!;
    const row: unknown[] = [tenantId];
    for (const c of store.columns) row.push(normalize(rec[c.name], c.type));
    row.push(tableName);
    cache.rows.push(row);
    cache.times.push(tgIdx >= 0 ? (row[tgIdx + 1] as number | null) : null);
  }
  return cache;
}

/** Build a KQL frame from a table store (LA types), restricted to [start, end] on TimeGenerated. */
export function frameFromStore(
  store: TableStore,
  tenantId: string,
  tableName: string,
  span: { start: number; end: number } | null,
): Frame {
  const cols = [
    { name: "TenantId", type: "guid" },
    ...store.columns.map((c) => ({ name: c.name, type: c.type })),
    { name: "Type", type: "string" },
  ];
  const cache = normalizedRows(store, tenantId, tableName);
  const hasTime = store.columns.some((c) => c.name === "TimeGenerated");
  if (!span || !hasTime) return { columns: cols, rows: cache.rows.slice() };
  const rows: unknown[][] = [];
  for (let i = 0; i < cache.rows.length; i++) {
    const t = cache.times[i];
    if (t !== null && t !== undefined && t >= span.start && t <= span.end) rows.push(cache.rows[i]!);
  }
  return { columns: cols, rows };
}

export function normalize(v: unknown, type: string): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case "datetime":
      return toDatetimeMs(v);
    case "int":
    case "long":
    case "real":
    case "decimal": {
      const n = Number(v);
      return Number.isNaN(n) ? null : n;
    }
    case "bool":
      return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : null;
    case "string":
    case "guid":
      return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
    case "dynamic":
      if (typeof v === "string") {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      }
      return v;
    default:
      return v;
  }
}

class TableDenied extends Error {}

export function logsRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const chk = ctx.tokens.check(req, [AUDIENCE.logs, "https://api.loganalytics.azure.com"]);
  if (!chk.ok) {
    return chk.reason === "audience"
      ? logsError(403, "InvalidTokenError", "The provided authentication is not valid for this resource", {
          code: "TokenWrongAudience",
          message: `The audience of the token '${chk.found}' is not valid.`,
        })
      : logsError(401, "AuthorizationRequiredError", "Valid authentication was not provided");
  }
  const m = /^\/v1\/workspaces\/([^/]+)\/query\/?$/i.exec(req.path);
  if (!m) return logsError(404, "PathNotFoundError", `The requested path does not exist`);
  if (req.method !== "POST" && req.method !== "GET")
    return logsError(405, "MethodNotAllowed", `The requested method ${req.method} is not allowed`);
  const ws = workspaceByCustomerId(ctx.state, m[1]!);
  if (!ws)
    return logsError(404, "WorkspaceNotFoundError", "The workspace could not be found", {
      code: "WorkspaceNotFoundError",
      message: `Workspace ${m[1]} could not be found`,
    });
  const insufficient = () =>
    logsError(
      403,
      "InsufficientAccessError",
      "The provided credentials have insufficient access to perform the requested operation",
    );
  if (
    chk.info.appId !== MONITOR_APP_ID ||
    [...ctx.state.monitorDenied].some((d) => scopeCovers(d, ws.id)) ||
    (ctx.monitorGrants && !permits(ctx.monitorGrants, "Microsoft.OperationalInsights/workspaces/query/read", ws.id))
  ) {
    return insufficient();
  }
  const grants = ctx.monitorGrants;
  /**
   * Reading a table's rows: a role at the workspace that reads every table (Log Analytics Reader's
   * "any read" action), a legacy per-table action at the workspace (.../query/<Table>/read), or Reader on the
   * table itself (https://learn.microsoft.com/azure/azure-monitor/logs/manage-table-access).
   */
  const mayRead = (name: string) => {
    // _LogOperation is the workspace function over the Operation table: reading it reads that table
    const table = name === "_LogOperation" ? "Operation" : name;
    return (
      !grants ||
      permits(grants, `Microsoft.OperationalInsights/workspaces/query/${table}/read`, `${ws.id}/tables/${table}`)
    );
  };
  let tableDenied = false;
  let query: string | undefined;
  let timespan: string | undefined;
  if (req.method === "GET") {
    query = req.query.get("query") ?? undefined;
    timespan = req.query.get("timespan") ?? undefined;
  } else {
    let body: any;
    try {
      body = parseJsonBody(req);
    } catch {
      return logsError(400, "BadArgumentError", "The request had some invalid properties", {
        code: "InvalidJson",
        message: "The request body is not valid JSON",
      });
    }
    query = body?.query;
    timespan = body?.timespan;
  }
  if (typeof query !== "string" || !query.trim())
    return logsError(400, "BadArgumentError", "The request had some invalid properties", {
      code: "QueryMissing",
      message: "The query parameter is required",
    });
  const now = ctx.now();
  let span: { start: number; end: number } | null = null;
  if (timespan) {
    span = parseQueryTimespan(timespan, now);
    if (!span)
      return logsError(400, "BadArgumentError", "The request had some invalid properties", {
        code: "InvalidTimespan",
        message: `The timespan '${timespan}' is not a valid ISO 8601 duration or interval`,
      });
  }
  const isSentinel = ws.id.toLowerCase() === ctx.state.tablesWorkspaceId.toLowerCase();
  try {
    const frame = runQuery(query, {
      now,
      table: (name) => {
        if (!mayRead(name)) {
          tableDenied = true;
          throw new TableDenied();
        }
        const tables = isSentinel ? ctx.state.tables : ctx.state.workspaceTables?.[ws.id.toLowerCase()];
        const store = tables?.[name];
        return store ? frameFromStore(store, String(ws.properties["customerId"]), name, span) : undefined;
      },
    });
    return json(200, {
      tables: [
        {
          name: "PrimaryResult",
          columns: frame.columns.map((c) => ({ name: c.name, type: c.type === "int" ? "int" : c.type })),
          rows: frame.rows.map((r) => r.map((v, i) => formatCell(v, frame.columns[i]!.type))),
        },
      ],
    });
  } catch (e) {
    // No documented body for a query on a table the caller may not read: the workspace-level one.
    if (tableDenied) return insufficient();
    if (e instanceof KqlSyntaxError) {
      return logsError(400, "BadArgumentError", "The request had some invalid properties", {
        code: "SyntaxError",
        message: "A recognition error occurred in the query.",
        innererror: { code: "SYN0002", message: e.message, line: 1, pos: e.pos, token: e.token },
      });
    }
    if (e instanceof KqlSemanticError) {
      return logsError(400, "BadArgumentError", "The request had some invalid properties", {
        code: "SemanticError",
        message: e.message,
        innererror: { code: "SEM0100", message: e.message },
      });
    }
    throw e;
  }
}

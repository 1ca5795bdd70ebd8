import type { Expr, NamedExpr, Op, Query, SortKey } from "./ast.js";
import { KqlSemanticError } from "./errors.js";
import { parseTimespanText } from "./lexer.js";
import { parseQuery } from "./parser.js";

/**
 * A small, honest KQL evaluator for tabular pipelines. Static types like Kusto:
 * datetime and timespan values are numbers (epoch ms / ms), int/long/real numbers, string/guid strings,
 * bool booleans, dynamic any JSON value; null is null.
 */
export interface Col {
  name: string;
  type: string;
}
export interface Frame {
  columns: Col[];
  rows: unknown[][];
  /** Row order is meaningful (after sort/order/top/serialize): prev()/next() may be used. */
  serialized?: boolean;
}
export interface KqlContext {
  /** now() for this query (Kusto evaluates it once per query). */
  now: number;
  /** Resolve a table by name (already restricted to the query's timespan); undefined when unknown. */
  table(name: string): Frame | undefined;
}

type Fn = (row: unknown[]) => unknown;
interface Compiled {
  type: string;
  fn: Fn;
}

const NUM = new Set(["int", "long", "real", "decimal"]);
const isNum = (t: string) => NUM.has(t);
const STRINGY = new Set(["string", "guid"]);

export function runQuery(src: string, ctx: KqlContext): Frame {
  return execute(parseQuery(src), ctx);
}

export function execute(q: Query, ctx: KqlContext): Frame {
  let frame = ctx.table(q.table);
  if (!frame) {
    const opName = q.ops[0]?.op ?? "table";
    throw new KqlSemanticError(`'${opName}' operator: Failed to resolve table or column expression named '${q.table}'`);
  }
  for (const op of q.ops) {
    const wasSerialized: boolean = frame.serialized === true;
    frame = applyOp(op, frame, ctx);
    // Kusto: sort/order/top/serialize serialize the row set; where/extend/project/take keep it; the rest drop it.
    const keeps = ["where", "extend", "project", "project-away", "project-keep", "project-rename", "take"];
    const makes = ["order", "top", "serialize"];
    frame = {
      columns: frame.columns,
      rows: frame.rows,
      serialized: makes.includes(op.op) || (wasSerialized && keeps.includes(op.op)),
    };
  }
  return { columns: frame.columns, rows: frame.rows };
}

/** The rows a window function (prev/next) reads, and the current row's index, while extend/project run. */
let windowRows: { rows: unknown[][]; i: number } | null = null;
/** Whether the operator being compiled runs over a serialized row set. */
let windowAllowed = false;

function mapWindowed(rows: unknown[][], fn: (r: unknown[]) => unknown[]): unknown[][] {
  const out: unknown[][] = new Array<unknown[]>(rows.length);
  const w = { rows, i: 0 };
  try {
    windowRows = w;
    for (let i = 0; i < rows.length; i++) {
      w.i = i;
      out[i] = fn(rows[i]!);
    }
  } finally {
    windowRows = null;
  }
  return out;
}

function applyOp(op: Op, f: Frame, ctx: KqlContext): Frame {
  const c = (e: Expr, cols = f.columns) => {
    windowAllowed = f.serialized === true || op.op === "serialize";
    try {
      return compile(e, cols, ctx, op.op);
    } finally {
      windowAllowed = false;
    }
  };
  switch (op.op) {
    case "where": {
      const p = c(op.pred);
      if (p.type !== "bool" && p.type !== "dynamic")
        throw new KqlSemanticError(`'where' operator: the predicate must be of type bool, found ${p.type}`);
      return { columns: f.columns, rows: f.rows.filter((r) => p.fn(r) === true) };
    }
    case "serialize":
    case "extend": {
      let cols = f.columns;
      let rows = f.rows;
      for (const [i, item] of op.items.entries()) {
        const ce = c(item.expr, cols);
        const name = item.name ?? defaultName(item.expr, `Column${i + 1}`);
        const idx = cols.findIndex((x) => x.name === name);
        if (idx >= 0) {
          cols = cols.map((x, j) => (j === idx ? { name, type: ce.type } : x));
          rows = mapWindowed(rows, (r) => {
            const n = r.slice();
            n[idx] = ce.fn(r);
            return n;
          });
        } else {
          cols = [...cols, { name, type: ce.type }];
          rows = mapWindowed(rows, (r) => [...r, ce.fn(r)]);
        }
      }
      return { columns: cols, rows };
    }
    case "project": {
      const comp = op.items.map((it, i) => ({
        name: it.name ?? defaultName(it.expr, `Column${i + 1}`),
        ce: c(it.expr),
      }));
      return {
        columns: comp.map((x) => ({ name: x.name, type: x.ce.type })),
        rows: mapWindowed(f.rows, (r) => comp.map((x) => x.ce.fn(r))),
      };
    }
    case "project-away":
    case "project-keep": {
      for (const n of op.names) colIndex(f.columns, n, op.op);
      const keep = f.columns
        .map((col, i) => ({ col, i }))
        .filter((x) => op.names.includes(x.col.name) === (op.op === "project-keep"));
      const idx = keep.map((x) => x.i);
      const rows = new Array<unknown[]>(f.rows.length);
      for (let j = 0; j < f.rows.length; j++) {
        const r = f.rows[j]!;
        const n = new Array<unknown>(idx.length);
        for (let k = 0; k < idx.length; k++) n[k] = r[idx[k]!];
        rows[j] = n;
      }
      return { columns: keep.map((x) => x.col), rows };
    }
    case "project-rename": {
      const cols = f.columns.map((x) => ({ ...x }));
      for (const [newName, oldName] of op.pairs) cols[colIndex(f.columns, oldName, op.op)]!.name = newName;
      return { columns: cols, rows: f.rows };
    }
    case "summarize":
      return summarize(op.aggs, op.by, f, ctx);
    case "order": {
      const keys = op.keys.map((k) => ({ k, ce: c(k.expr) }));
      // Each row's sort keys are computed once, not at every comparison.
      const keyed = f.rows.map((r) => ({ r, v: keys.map(({ ce }) => ce.fn(r)) }));
      keyed.sort((a, b) => {
        for (let i = 0; i < keys.length; i++) {
          const d = compareForSort(a.v[i], b.v[i], keys[i]!.k);
          if (d !== 0) return d;
        }
        return 0;
      });
      return { columns: f.columns, rows: keyed.map((x) => x.r) };
    }
    case "take":
      return { columns: f.columns, rows: f.rows.slice(0, op.n) };
    case "top": {
      const ce = c(op.key.expr);
      const rows = f.rows
        .slice()
        .sort((a, b) => compareForSort(ce.fn(a), ce.fn(b), op.key))
        .slice(0, op.n);
      return { columns: f.columns, rows };
    }
    case "count":
      return { columns: [{ name: "Count", type: "long" }], rows: [[f.rows.length]] };
    case "distinct": {
      const comp = op.items.map((it, i) => ({
        name: it.name ?? defaultName(it.expr, `Column${i + 1}`),
        ce: c(it.expr),
      }));
      const seen = new Map<string, unknown[]>();
      for (const r of f.rows) {
        const vals = comp.map((x) => x.ce.fn(r));
        const key = JSON.stringify(vals);
        if (!seen.has(key)) seen.set(key, vals);
      }
      return { columns: comp.map((x) => ({ name: x.name, type: x.ce.type })), rows: [...seen.values()] };
    }
  }
}

function colIndex(cols: Col[], name: string, opName: string): number {
  const i = cols.findIndex((c) => c.name === name);
  if (i < 0) throw new KqlSemanticError(`'${opName}' operator: Failed to resolve scalar expression named '${name}'`);
  return i;
}

function defaultName(e: Expr, fallback: string): string {
  if (e.k === "col") return e.name;
  if (e.k === "call" && (e.name === "bin" || e.name === "bin_at" || e.name === "floor") && e.args[0]?.k === "col")
    return e.args[0].name;
  return fallback;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareForSort(a: unknown, b: unknown, k: SortKey): number {
  const nullsFirst = k.nullsFirst ?? !k.desc;
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? (nullsFirst ? -1 : 1) : nullsFirst ? 1 : -1;
  const d = compareValues(a, b);
  return k.desc ? -d : d;
}

// ---------------------------------------------------------------- expressions

function parseDatetimeText(text: string): number | null {
  let t = text.trim().replace(/^["']|["']$/g, "");
  if (t === "" || t.toLowerCase() === "null") return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += "T00:00:00Z";
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) t = `${t.replace(" ", "T")}Z`;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

const isNull = (v: unknown) => v === null || v === undefined;

function compile(e: Expr, cols: Col[], ctx: KqlContext, opName: string): Compiled {
  const rec = (x: Expr) => compile(x, cols, ctx, opName);
  switch (e.k) {
    case "lit":
      return { type: e.type, fn: () => e.value };
    case "col": {
      const i = colIndex(cols, e.name, opName);
      return { type: cols[i]!.type, fn: (r) => r[i] ?? null };
    }
    case "un": {
      const x = rec(e.e);
      if (!isNum(x.type) && x.type !== "timespan")
        throw new KqlSemanticError(`Unary '-' cannot be applied to type ${x.type}`);
      return {
        type: x.type === "int" ? "long" : x.type,
        fn: (r) => {
          const v = x.fn(r);
          return isNull(v) ? null : -(v as number);
        },
      };
    }
    case "in": {
      const x = rec(e.e);
      const list = e.list.map(rec);
      return {
        type: "bool",
        fn: (r) => {
          let v = x.fn(r);
          if (isNull(v)) return false;
          if (e.ci && typeof v === "string") v = v.toLowerCase();
          const hit = list.some((l) => {
            let w = l.fn(r);
            if (e.ci && typeof w === "string") w = w.toLowerCase();
            return w === v;
          });
          return e.neg ? !hit : hit;
        },
      };
    }
    case "bin":
      return compileBinary(e.op, rec(e.l), rec(e.r));
    case "call":
      if (AGGREGATES.has(e.name))
        throw new KqlSemanticError(`Function '${e.name}' can only be used in the context of the summarize operator`);
      return compileCall(e, e.args.map(rec), ctx);
  }
}

function compileBinary(op: string, l: Compiled, r: Compiled): Compiled {
  const lt = l.type;
  const rt = r.type;
  const bad = (): never => {
    throw new KqlSemanticError(`Operator '${op}' cannot be applied to operands of types '${lt}' and '${rt}'`);
  };
  const both =
    (f: (a: any, b: any) => unknown): Fn =>
    (row) => {
      const a = l.fn(row);
      const b = r.fn(row);
      return isNull(a) || isNull(b) ? null : f(a, b);
    };
  switch (op) {
    case "and":
      return {
        type: "bool",
        fn: (row) => {
          const a = l.fn(row);
          if (a === false) return false;
          const b = r.fn(row);
          return b === false ? false : a === true && b === true ? true : null;
        },
      };
    case "or":
      return {
        type: "bool",
        fn: (row) => {
          const a = l.fn(row);
          if (a === true) return true;
          const b = r.fn(row);
          return b === true ? true : a === false && b === false ? false : null;
        },
      };
    case "==":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
    case "=~":
    case "!~": {
      const comparable =
        lt === rt ||
        lt === "dynamic" ||
        rt === "dynamic" ||
        (isNum(lt) && isNum(rt)) ||
        (STRINGY.has(lt) && STRINGY.has(rt));
      if (!comparable)
        throw new KqlSemanticError(`Cannot compare values of types ${lt} and ${rt}. Try adding explicit casts`);
      const ci = op === "=~" || op === "!~";
      return {
        type: "bool",
        fn: both((a, b) => {
          if (ci) {
            a = String(a).toLowerCase();
            b = String(b).toLowerCase();
          }
          const d = compareValues(a, b);
          switch (op) {
            case "==":
            case "=~":
              return d === 0;
            case "!=":
            case "!~":
              return d !== 0;
            case "<":
              return d < 0;
            case "<=":
              return d <= 0;
            case ">":
              return d > 0;
            default:
              return d >= 0;
          }
        }),
      };
    }
    case "+":
    case "-":
    case "*":
    case "/":
    case "%": {
      if (isNum(lt) && isNum(rt)) {
        const integer = lt !== "real" && rt !== "real";
        const type = integer ? "long" : "real";
        return {
          type,
          fn: both((a: number, b: number) => {
            switch (op) {
              case "+":
                return a + b;
              case "-":
                return a - b;
              case "*":
                return a * b;
              case "/":
                return b === 0 ? (integer ? null : a / b) : integer ? Math.trunc(a / b) : a / b;
              default:
                return b === 0 ? null : a % b;
            }
          }),
        };
      }
      if (op === "+" && ((lt === "datetime" && rt === "timespan") || (lt === "timespan" && rt === "datetime")))
        return { type: "datetime", fn: both((a, b) => a + b) };
      if ((op === "+" || op === "-") && lt === "timespan" && rt === "timespan")
        return { type: "timespan", fn: both((a, b) => (op === "+" ? a + b : a - b)) };
      if (op === "-" && lt === "datetime" && rt === "datetime") return { type: "timespan", fn: both((a, b) => a - b) };
      if (op === "-" && lt === "datetime" && rt === "timespan") return { type: "datetime", fn: both((a, b) => a - b) };
      if (op === "/" && lt === "timespan" && rt === "timespan")
        return { type: "real", fn: both((a, b) => (b === 0 ? null : a / b)) };
      if (op === "/" && lt === "timespan" && isNum(rt))
        return { type: "timespan", fn: both((a, b) => (b === 0 ? null : a / b)) };
      if (op === "*" && ((lt === "timespan" && isNum(rt)) || (isNum(lt) && rt === "timespan")))
        return { type: "timespan", fn: both((a, b) => a * b) };
      return bad();
    }
    default: {
      const cs = op.endsWith("_cs");
      const neg = op.startsWith("!");
      const base = op.replace(/^!/, "").replace(/_cs$/, "");
      const test = (a: string, b: string): boolean => {
        if (!cs) {
          a = a.toLowerCase();
          b = b.toLowerCase();
        }
        switch (base) {
          case "contains":
            return a.includes(b);
          case "startswith":
            return a.startsWith(b);
          case "endswith":
            return a.endsWith(b);
          case "has": {
            if (b === "") return true;
            const esc = b.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            return new RegExp(`(^|[^A-Za-z0-9_])${esc}($|[^A-Za-z0-9_])`).test(a);
          }
          default:
            return bad();
        }
      };
      return {
        type: "bool",
        fn: (row) => {
          const a = l.fn(row);
          const b = r.fn(row);
          const res = test(
            isNull(a) ? "" : typeof a === "string" ? a : JSON.stringify(a),
            isNull(b) ? "" : typeof b === "string" ? b : JSON.stringify(b),
          );
          return neg ? !res : res;
        },
      };
    }
  }
}

function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    throw new KqlSemanticError(
      `Function '${name}': expected ${min === max ? min : `${min}-${max}`} argument(s), got ${args.length}`,
    );
}

function binValue(v: number, size: number): number {
  return Math.floor(v / size) * size;
}

/** A constant: a literal, a datetime()/timespan() literal, or arithmetic on constants. */
function isConstant(e: Expr | undefined): boolean {
  if (!e) return false;
  if (e.k === "lit") return true;
  if (e.k === "call") return e.raw !== undefined;
  if (e.k === "un") return isConstant(e.e);
  if (e.k === "bin") return isConstant(e.l) && isConstant(e.r);
  return false;
}

function compileCall(e: Extract<Expr, { k: "call" }>, args: Compiled[], ctx: KqlContext): Compiled {
  const a0 = args[0];
  const a1 = args[1];
  const one = (type: string, f: (v: any) => unknown): Compiled => {
    arity(e.name, args, 1);
    return {
      type,
      fn: (r) => {
        const v = a0!.fn(r);
        return isNull(v) ? null : f(v);
      },
    };
  };
  switch (e.name) {
    case "datetime": {
      if (e.raw === undefined) throw new KqlSemanticError("datetime() expects a literal");
      const ms = parseDatetimeText(e.raw);
      if (ms === null && !/^null$/i.test(e.raw.trim()))
        throw new KqlSemanticError(`Invalid datetime literal: '${e.raw}'`);
      return { type: "datetime", fn: () => ms };
    }
    case "time":
    case "timespan": {
      const ms = e.raw === undefined ? null : parseTimespanText(e.raw);
      if (ms === null) throw new KqlSemanticError(`Invalid timespan literal: '${e.raw ?? ""}'`);
      return { type: "timespan", fn: () => ms };
    }
    case "dynamic": {
      let v: unknown;
      try {
        v = JSON.parse(e.raw ?? "null");
      } catch {
        throw new KqlSemanticError(`Invalid dynamic literal: '${e.raw ?? ""}'`);
      }
      return { type: "dynamic", fn: () => v };
    }
    case "prev":
    case "next": {
      // prev(expr [, offset [, default]]): the value of expr `offset` rows before (after) this one.
      if (!windowAllowed)
        throw new KqlSemanticError(
          `Function '${e.name}' cannot be invoked in the current context. Details: the row set must be serialized`,
        );
      arity(e.name, args, 1, 3);
      const off = a1 ? Number(a1.fn([]) ?? 1) : 1;
      const dflt = args[2];
      const sign = e.name === "prev" ? -1 : 1;
      return {
        type: a0!.type,
        fn: () => {
          const w = windowRows;
          if (!w) return null;
          const j = w.i + sign * off;
          const row = w.rows[j];
          return row ? a0!.fn(row) : dflt ? dflt.fn(w.rows[w.i]!) : null;
        },
      };
    }
    case "now":
      arity("now", args, 0, 1);
      return { type: "datetime", fn: (r) => ctx.now + (a0 ? Number(a0.fn(r) ?? 0) : 0) };
    case "ago":
      arity("ago", args, 1);
      if (a0!.type !== "timespan") throw new KqlSemanticError(`ago(): argument must be a timespan, found ${a0!.type}`);
      return {
        type: "datetime",
        fn: (r) => {
          const v = a0!.fn(r);
          return isNull(v) ? null : ctx.now - (v as number);
        },
      };
    case "bin":
    case "floor": {
      arity(e.name, args, 2);
      const t = a0!.type;
      if (t === "datetime" || t === "timespan") {
        if (a1!.type !== "timespan") throw new KqlSemanticError(`${e.name}(): the bin size must be a timespan`);
      } else if (!isNum(t)) throw new KqlSemanticError(`${e.name}(): cannot bin values of type ${t}`);
      return {
        type: t === "int" ? "long" : t,
        fn: (r) => {
          const v = a0!.fn(r);
          const s = a1!.fn(r);
          return isNull(v) || isNull(s) || s === 0 ? null : binValue(v as number, s as number);
        },
      };
    }
    case "bin_at": {
      // bin_at(value, bin_size, fixed_point), as Kusto documents it
      // (https://learn.microsoft.com/kusto/query/bin-at-function; MicrosoftDocs/dataexplorer-docs,
      // data-explorer/kusto/query/bin-at-function.md): value int, long, real, timespan or datetime;
      // bin_size a timespan when value is a timespan or datetime; fixed_point "a constant of the same
      // type as value". The result is the bin_size multiple below value aligned to fixed_point, which
      // may lie before or after value: bin_at(6.5, 2.5, 7) = 4.5, bin_at(time(1h), 1d, 12h) = -12h.
      arity("bin_at", args, 3);
      const t = a0!.type;
      const a2 = args[2]!;
      if (t === "datetime" || t === "timespan") {
        if (a1!.type !== "timespan") throw new KqlSemanticError("bin_at(): the bin size must be a timespan");
        if (a2.type !== t) throw new KqlSemanticError(`bin_at(): the fixed point must be a ${t}, found ${a2.type}`);
      } else if (!isNum(t)) throw new KqlSemanticError(`bin_at(): cannot bin values of type ${t}`);
      else if (!isNum(a1!.type)) throw new KqlSemanticError("bin_at(): the bin size must be a number");
      else if (!isNum(a2.type))
        throw new KqlSemanticError(`bin_at(): the fixed point must be a number, found ${a2.type}`);
      if (!isConstant(e.args[2])) throw new KqlSemanticError("bin_at(): the fixed point must be a constant");
      return {
        type: t === "int" ? "long" : t,
        fn: (r) => {
          const v = a0!.fn(r);
          const s = a1!.fn(r);
          const at = a2.fn(r);
          if (isNull(v) || isNull(s) || isNull(at) || s === 0) return null;
          return (at as number) + binValue((v as number) - (at as number), s as number);
        },
      };
    }
    case "startofday":
      return one("datetime", (v: number) => binValue(v, 86_400_000));
    case "startofhour":
      return one("datetime", (v: number) => binValue(v, 3_600_000));
    case "hourofday":
      return one("int", (v: number) => new Date(v).getUTCHours());
    case "dayofweek":
      return one("timespan", (v: number) => new Date(v).getUTCDay() * 86_400_000);
    case "todatetime":
      return one("datetime", (v) =>
        typeof v === "number" && a0!.type === "datetime" ? v : typeof v === "string" ? parseDatetimeText(v) : null,
      );
    case "totimespan":
      return one("timespan", (v) =>
        typeof v === "number"
          ? a0!.type === "timespan"
            ? v
            : v / 10_000
          : typeof v === "string"
            ? parseTimespanText(v)
            : null,
      );
    case "tostring":
      return one("string", (v) => formatScalar(v, a0!.type));
    case "toint":
    case "tolong": {
      return one(e.name === "toint" ? "int" : "long", (v) => {
        const n = typeof v === "boolean" ? Number(v) : Number(v);
        return Number.isFinite(n) ? Math.trunc(n) : null;
      });
    }
    case "toreal":
    case "todouble":
      return one("real", (v) => {
        const n = Number(v);
        return Number.isNaN(n) ? null : n;
      });
    case "tobool":
    case "toboolean":
      return one("bool", (v) =>
        typeof v === "boolean"
          ? v
          : typeof v === "number"
            ? v !== 0
            : /^true$/i.test(String(v))
              ? true
              : /^false$/i.test(String(v))
                ? false
                : null,
      );
    case "tolower":
      return one("string", (v) => String(v).toLowerCase());
    case "toupper":
      return one("string", (v) => String(v).toUpperCase());
    case "strlen":
      return one("long", (v) => String(v).length);
    case "abs":
      return one(a0?.type ?? "real", (v: number) => Math.abs(v));
    case "round": {
      arity("round", args, 1, 2);
      return {
        type: "real",
        fn: (r) => {
          const v = a0!.fn(r);
          if (isNull(v)) return null;
          const p = a1 ? Number(a1.fn(r)) : 0;
          const m = 10 ** p;
          return Math.round((v as number) * m) / m;
        },
      };
    }
    case "isnull":
      arity("isnull", args, 1);
      return { type: "bool", fn: (r) => isNull(a0!.fn(r)) };
    case "isnotnull":
      arity("isnotnull", args, 1);
      return { type: "bool", fn: (r) => !isNull(a0!.fn(r)) };
    case "isempty":
      arity("isempty", args, 1);
      return {
        type: "bool",
        fn: (r) => {
          const v = a0!.fn(r);
          return isNull(v) || v === "";
        },
      };
    case "isnotempty":
      arity("isnotempty", args, 1);
      return {
        type: "bool",
        fn: (r) => {
          const v = a0!.fn(r);
          return !(isNull(v) || v === "");
        },
      };
    case "not":
      arity("not", args, 1);
      return {
        type: "bool",
        fn: (r) => {
          const v = a0!.fn(r);
          return isNull(v) ? null : !v;
        },
      };
    case "iff":
    case "iif": {
      arity(e.name, args, 3);
      const [c, t, f] = args as [Compiled, Compiled, Compiled];
      return { type: t.type === "dynamic" ? f.type : t.type, fn: (r) => (c.fn(r) === true ? t.fn(r) : f.fn(r)) };
    }
    case "coalesce":
      if (args.length === 0) arity("coalesce", args, 1, 64);
      return {
        type: args.find((x) => x.type !== "dynamic")?.type ?? "dynamic",
        fn: (r) => {
          for (const x of args) {
            const v = x.fn(r);
            if (!isNull(v) && v !== "") return v;
          }
          return null;
        },
      };
    case "__member":
      return {
        type: "dynamic",
        fn: (r) => {
          const o = a0!.fn(r);
          const k = a1!.fn(r);
          if (isNull(o) || typeof o !== "object") return null;
          return (o as any)[k as any] ?? null;
        },
      };
    default:
      throw new KqlSemanticError(`Failed to resolve scalar expression named '${e.name}'`);
  }
}

// ---------------------------------------------------------------- summarize

interface AggSlot {
  name: string;
  type: string;
  make: () => { add(row: unknown[]): void; result(): unknown };
}
const AGGREGATES = new Set([
  "count",
  "countif",
  "sum",
  "sumif",
  "avg",
  "avgif",
  "min",
  "max",
  "minif",
  "maxif",
  "dcount",
  "dcountif",
  "percentile",
  "any",
  "take_any",
  "make_set",
  "make_list",
]);

function aggDefaultName(e: Extract<Expr, { k: "call" }>): string {
  const a = e.args[0];
  const col = a?.k === "col" ? a.name : "";
  switch (e.name) {
    case "count":
      return "count_";
    case "countif":
      return "countif_";
    case "percentile": {
      const p = e.args[1];
      return `percentile_${col}_${p?.k === "lit" ? String(p.value).replace(".", "_") : ""}`;
    }
    case "take_any":
      return `any_${col}`;
    default:
      return `${e.name}_${col}`;
  }
}

function compileAgg(e: Extract<Expr, { k: "call" }>, cols: Col[], ctx: KqlContext): AggSlot {
  const args = e.args.map((a) => compile(a, cols, ctx, "summarize"));
  const name = aggDefaultName(e);
  const a0 = args[0];
  const pred = (i: number) => {
    const p = args[i];
    if (!p || p.type !== "bool") throw new KqlSemanticError(`${e.name}(): predicate argument must be bool`);
    return p.fn;
  };
  const numType = (t: string) => (t === "int" ? "long" : t);
  switch (e.name) {
    case "count":
      arity("count", args, 0, 1);
      return {
        name,
        type: "long",
        make: () => {
          let n = 0;
          return {
            add: (r) => {
              if (!a0 || !isNull(a0.fn(r))) n++;
            },
            result: () => n,
          };
        },
      };
    case "countif": {
      arity("countif", args, 1);
      const p = pred(0);
      return {
        name,
        type: "long",
        make: () => {
          let n = 0;
          return {
            add: (r) => {
              if (p(r) === true) n++;
            },
            result: () => n,
          };
        },
      };
    }
    case "sum":
    case "sumif": {
      arity(e.name, args, e.name === "sum" ? 1 : 2);
      if (!isNum(a0!.type) && a0!.type !== "timespan")
        throw new KqlSemanticError(`${e.name}(): cannot sum values of type ${a0!.type}`);
      const p = e.name === "sumif" ? pred(1) : () => true;
      return {
        name,
        type: numType(a0!.type),
        make: () => {
          let s = 0;
          return {
            add: (r) => {
              if (p(r) !== true) return;
              const v = a0!.fn(r);
              if (!isNull(v)) s += v as number;
            },
            result: () => s,
          };
        },
      };
    }
    case "avg":
    case "avgif": {
      arity(e.name, args, e.name === "avg" ? 1 : 2);
      if (!isNum(a0!.type) && a0!.type !== "timespan" && a0!.type !== "datetime")
        throw new KqlSemanticError(`${e.name}(): cannot average values of type ${a0!.type}`);
      const p = e.name === "avgif" ? pred(1) : () => true;
      return {
        name,
        type: isNum(a0!.type) ? "real" : a0!.type,
        make: () => {
          let s = 0;
          let n = 0;
          return {
            add: (r) => {
              if (p(r) !== true) return;
              const v = a0!.fn(r);
              if (!isNull(v)) {
                s += v as number;
                n++;
              }
            },
            result: () => (n === 0 ? null : s / n),
          };
        },
      };
    }
    case "min":
    case "max":
    case "minif":
    case "maxif": {
      const cond = e.name.endsWith("if");
      arity(e.name, args, cond ? 2 : 1);
      const p = cond ? pred(1) : () => true;
      const wantMax = e.name.startsWith("max");
      return {
        name,
        type: numType(a0!.type),
        make: () => {
          let best: unknown = null;
          return {
            add: (r) => {
              if (p(r) !== true) return;
              const v = a0!.fn(r);
              if (isNull(v)) return;
              if (best === null || (wantMax ? compareValues(v, best) > 0 : compareValues(v, best) < 0)) best = v;
            },
            result: () => best,
          };
        },
      };
    }
    case "dcount":
    case "dcountif": {
      arity(e.name, args, e.name === "dcount" ? 1 : 2, e.name === "dcount" ? 2 : 3);
      const p = e.name === "dcountif" ? pred(1) : () => true;
      return {
        name,
        type: "long",
        make: () => {
          const s = new Set<string>();
          return {
            add: (r) => {
              if (p(r) !== true) return;
              const v = a0!.fn(r);
              if (!isNull(v)) s.add(JSON.stringify(v));
            },
            result: () => s.size,
          };
        },
      };
    }
    case "percentile": {
      arity("percentile", args, 2);
      const t = a0!.type;
      if (!isNum(t) && t !== "timespan" && t !== "datetime")
        throw new KqlSemanticError(`percentile(): cannot compute percentiles of type ${t}`);
      const pArg = e.args[1];
      if (pArg?.k !== "lit" || typeof pArg.value !== "number")
        throw new KqlSemanticError("percentile(): the percentile must be a numeric constant");
      const pct = pArg.value;
      return {
        name,
        type: numType(t),
        make: () => {
          const vals: number[] = [];
          return {
            add: (r) => {
              const v = a0!.fn(r);
              if (!isNull(v)) vals.push(v as number);
            },
            result: () => {
              if (vals.length === 0) return null;
              vals.sort((x, y) => x - y);
              // nearest-rank (Kusto's estimate equals it on small sets)
              const rank = Math.max(1, Math.ceil((pct / 100) * vals.length));
              return vals[Math.min(rank, vals.length) - 1]!;
            },
          };
        },
      };
    }
    case "any":
    case "take_any":
      arity(e.name, args, 1);
      return {
        name,
        type: a0!.type,
        make: () => {
          let v: unknown = null;
          let set = false;
          return {
            add: (r) => {
              if (!set) {
                v = a0!.fn(r);
                set = true;
              }
            },
            result: () => v,
          };
        },
      };
    case "make_set":
    case "make_list": {
      arity(e.name, args, 1, 2);
      const set = e.name === "make_set";
      return {
        name,
        type: "dynamic",
        make: () => {
          const out: unknown[] = [];
          const seen = new Set<string>();
          return {
            add: (r) => {
              const v = a0!.fn(r);
              if (isNull(v)) return;
              const wire = formatCell(v, a0!.type);
              if (set) {
                const k = JSON.stringify(wire);
                if (seen.has(k)) return;
                seen.add(k);
              }
              out.push(wire);
            },
            result: () => out,
          };
        },
      };
    }
    default:
      throw new KqlSemanticError(`Unknown aggregate function '${e.name}'`);
  }
}

function summarize(aggItems: NamedExpr[], byItems: NamedExpr[], f: Frame, ctx: KqlContext): Frame {
  const by = byItems.map((it, i) => ({
    name: it.name ?? defaultName(it.expr, `Column${i + 1}`),
    ce: compile(it.expr, f.columns, ctx, "summarize"),
  }));
  const slots: AggSlot[] = [];
  const outer: Array<{ name: string; ce: Compiled }> = [];
  let unnamed = by.filter((b) => /^Column\d+$/.test(b.name)).length;
  for (const item of aggItems) {
    const before = slots.length;
    const replaced = replaceAggs(item.expr, (call) => {
      slots.push(compileAgg(call, f.columns, ctx));
      return { k: "col", name: `\u0000agg${slots.length - 1}` };
    });
    if (slots.length === before) throw new KqlSemanticError("'summarize' operator: expected an aggregate function");
    const slotCols: Col[] = slots.map((s, i) => ({ name: `\u0000agg${i}`, type: s.type }));
    const ce = compile(replaced, slotCols, ctx, "summarize");
    const name =
      item.name ??
      (item.expr.k === "call" && AGGREGATES.has(item.expr.name) ? aggDefaultName(item.expr) : `Column${++unnamed}`);
    outer.push({ name, ce });
  }
  const groups = new Map<unknown, { keys: unknown[]; states: Array<ReturnType<AggSlot["make"]>> }>();
  for (const r of f.rows) {
    const keys = by.map((b) => b.ce.fn(r));
    // One scalar key (the usual `by bin(TimeGenerated, 1h)`) groups by value; objects and tuples by their JSON.
    const k = keys.length === 1 && (typeof keys[0] !== "object" || keys[0] === null) ? keys[0] : JSON.stringify(keys);
    let g = groups.get(k);
    if (!g) {
      g = { keys, states: slots.map((s) => s.make()) };
      groups.set(k, g);
    }
    for (const s of g.states) s.add(r);
  }
  if (groups.size === 0 && by.length === 0) groups.set("[]", { keys: [], states: slots.map((s) => s.make()) });
  const rows: unknown[][] = [];
  for (const g of groups.values()) {
    const slotRow = g.states.map((s) => s.result());
    rows.push([...g.keys, ...outer.map((o) => o.ce.fn(slotRow))]);
  }
  const columns = [
    ...by.map((b) => ({ name: b.name, type: b.ce.type })),
    ...outer.map((o) => ({ name: o.name, type: o.ce.type })),
  ];
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new KqlSemanticError(`'summarize' operator: duplicate column name '${c.name}'`);
    seen.add(c.name);
  }
  return { columns, rows };
}

function replaceAggs(e: Expr, onAgg: (call: Extract<Expr, { k: "call" }>) => Expr): Expr {
  switch (e.k) {
    case "call":
      if (AGGREGATES.has(e.name)) return onAgg(e);
      return { ...e, args: e.args.map((a) => replaceAggs(a, onAgg)) };
    case "bin":
      return { ...e, l: replaceAggs(e.l, onAgg), r: replaceAggs(e.r, onAgg) };
    case "un":
      return { ...e, e: replaceAggs(e.e, onAgg) };
    case "in":
      return { ...e, e: replaceAggs(e.e, onAgg), list: e.list.map((x) => replaceAggs(x, onAgg)) };
    default:
      return e;
  }
}

// ---------------------------------------------------------------- wire format (Log Analytics API)

/** Kusto's timespan text: [-][d.]hh:mm:ss[.fffffff] */
export function formatTimespan(ms: number): string {
  const neg = ms < 0;
  let ticks = Math.round(Math.abs(ms) * 10_000);
  const days = Math.floor(ticks / 864_000_000_000);
  ticks -= days * 864_000_000_000;
  const h = Math.floor(ticks / 36_000_000_000);
  ticks -= h * 36_000_000_000;
  const m = Math.floor(ticks / 600_000_000);
  ticks -= m * 600_000_000;
  const s = Math.floor(ticks / 10_000_000);
  ticks -= s * 10_000_000;
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${neg ? "-" : ""}${days ? `${days}.` : ""}${p2(h)}:${p2(m)}:${p2(s)}${ticks ? `.${String(ticks).padStart(7, "0")}` : ""}`;
}

export function formatDatetime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith(".000Z") ? `${s.slice(0, -5)}Z` : s;
}

function formatScalar(v: unknown, type: string): string {
  if (type === "datetime") return formatDatetime(v as number);
  if (type === "timespan") return formatTimespan(v as number);
  if (typeof v === "object" || typeof v === "function") return JSON.stringify(v);
  return String(v);
}

/** One cell as the LA query API returns it: datetimes ISO, timespans text, dynamic as JSON text. */
export function formatCell(v: unknown, type: string): unknown {
  if (isNull(v)) return null;
  switch (type) {
    case "datetime":
      return formatDatetime(v as number);
    case "timespan":
      return formatTimespan(v as number);
    case "dynamic":
      return typeof v === "string" ? v : JSON.stringify(v);
    default:
      return v;
  }
}

export function toDatetimeMs(v: unknown): number | null {
  if (isNull(v)) return null;
  if (typeof v === "number") return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") return parseDatetimeText(v);
  return null;
}

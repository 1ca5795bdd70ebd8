import type { Column } from "../connector/types.js";
import { normalizeType } from "../connector/profile.js";
import { joinTokens, tokenise } from "./kqlTokens.js";

/**
 * Static reading of a DCR transformKql: which columns come out, with which types, given the input
 * stream's columns. Covers the operators DCR transforms use for renaming and shaping (extend,
 * project, project-rename, project-away, where); anything else makes the result partial.
 */
export interface TransformResult {
  columns: Column[];
  /** Problems that break ingestion (renaming or projecting a column the stream lacks). */
  errors: string[];
  /** Operators or expressions the monitor did not interpret. */
  unverified: string[];
  /** Stages that drop, sample or aggregate rows, as written (comments and spacing removed). */
  rowFilters: string[];
  /** What the monitor could not read at all: then it cannot say which rows or columns survive. */
  unreadable: string[];
  /**
   * Where each output column's value comes from: `column:<input column>` when it carries an input
   * column unchanged, otherwise `value:<expression>`.
   */
  sources: Record<string, string>;
}

/** Operators that drop, sample or aggregate rows, and what that does to Keeper's events. */
const ROW_OPERATORS: Record<string, string> = {
  where: "keeps only the rows that match",
  filter: "keeps only the rows that match",
  take: "keeps only the first rows of each upload",
  limit: "keeps only the first rows of each upload",
  sample: "keeps a random sample of the rows",
  "sample-distinct": "keeps a sample of distinct values",
  top: "keeps only the top rows",
  "top-nested": "aggregates the rows",
  "top-hitters": "aggregates the rows",
  summarize: "aggregates the rows (single events are lost)",
  distinct: "merges rows (single events are lost)",
  count: "replaces the rows with their count",
  "make-series": "aggregates the rows",
  "parse-where": "keeps only the rows that match the pattern",
};

/** Splits on `sep` at nesting depth 0, outside string literals. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      cur += ch;
      if (ch === "\\") {
        cur += text[i + 1] ?? "";
        i++;
      } else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

const IDENT = /^\[?['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?\]?$/;

function ident(s: string): string | undefined {
  return IDENT.exec(s.trim())?.[1];
}

/** Result type of a simple expression, or undefined when the monitor cannot tell. */
function exprType(expr: string, cols: Map<string, string>): string | undefined {
  const e = expr.trim();
  const name = ident(e);
  if (name !== undefined) return cols.get(name);
  const fn = /^([a-z_]+)\s*\(/i.exec(e)?.[1]?.toLowerCase();
  switch (fn) {
    case "now":
    case "todatetime":
    case "datetime":
    case "ago":
    case "bin":
      return fn === "bin" ? undefined : "datetime";
    case "tostring":
    case "strcat":
    case "tolower":
    case "toupper":
    case "trim":
      return "string";
    case "toint":
      return "int";
    case "tolong":
      return "long";
    case "toreal":
    case "todouble":
      return "real";
    case "tobool":
      return "bool";
    case "todynamic":
    case "parse_json":
    case "pack":
    case "bag_pack":
      return "dynamic";
    default:
      if (/^".*"$|^'.*'$/.test(e)) return "string";
      if (/^-?\d+$/.test(e)) return "long";
      return undefined;
  }
}

/** Column names an expression reads (identifiers that are not function names or literals). */
function referencedColumns(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, "");
  const out: string[] = [];
  for (const m of noStrings.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const after = noStrings.slice((m.index ?? 0) + m[0].length).trimStart();
    if (after.startsWith("(")) continue;
    if (["and", "or", "not", "true", "false", "null", "source", "in", "has", "contains"].includes(m[0])) continue;
    out.push(m[0]);
  }
  return out;
}

export function analyzeTransform(transformKql: string | undefined, input: readonly Column[]): TransformResult {
  const cols = new Map<string, string>(input.map((c) => [c.name, normalizeType(c.type)]));
  const sources = new Map<string, string>(input.map((c) => [c.name, `column:${c.name}`]));
  const errors: string[] = [];
  const unverified: string[] = [];
  const rowFilters: string[] = [];
  const unreadable: string[] = [];
  const result = (): TransformResult => ({
    columns: [...cols.entries()].map(([name, type]) => ({ name, type })),
    errors,
    unverified,
    rowFilters,
    unreadable,
    sources: Object.fromEntries([...cols.keys()].map((c) => [c, sources.get(c) ?? "value:unknown"])),
  });
  if (transformKql === undefined || transformKql.trim() === "" || transformKql.trim() === "source") return result();
  const tokens = tokenise(transformKql);
  if (!tokens.ok) {
    unreadable.push(`the transform cannot be read: ${tokens.error}`);
    cols.clear();
    return result();
  }
  if (tokens.tokens.some((t) => t.kind === "punct" && t.text === ";")) {
    unreadable.push("the transform holds more than one statement");
    cols.clear();
    return result();
  }
  /** Where a computed value comes from: a column carried unchanged, or the expression itself. */
  const sourceOf = (expr: string): string => {
    const name = ident(expr);
    return name !== undefined && sources.has(name) ? sources.get(name)! : `value:${expr.trim()}`;
  };

  const stages = splitTop(joinTokens(tokens.tokens), "|");
  if (stages[0]?.trim() !== "source")
    errors.push(`the transform does not start with "source" (starts with "${stages[0] ?? ""}")`);
  for (const stage of stages.slice(1)) {
    const m = /^([a-z-]+)\s*(.*)$/is.exec(stage);
    const op = m?.[1]?.toLowerCase() ?? "";
    const args = m?.[2] ?? "";
    const items = splitTop(args, ",");
    if (ROW_OPERATORS[op] !== undefined) rowFilters.push(stage.trim());
    switch (op) {
      case "where":
      case "filter":
        for (const c of referencedColumns(args))
          if (!cols.has(c)) errors.push(`where reads column ${c}, which the stream does not have`);
        break;
      case "take":
      case "limit":
      case "sample":
        break;
      case "extend":
        for (const item of items) {
          const [lhs, ...rhs] = splitTop(item, "=");
          const name = lhs === undefined ? undefined : ident(lhs);
          const expr = rhs.join("=");
          if (name === undefined || rhs.length === 0) {
            unverified.push(`extend ${item}`);
            continue;
          }
          for (const c of referencedColumns(expr))
            if (!cols.has(c)) errors.push(`extend ${name} reads column ${c}, which the stream does not have`);
          const t = exprType(expr, cols);
          if (t === undefined) unverified.push(`type of ${name} = ${expr.trim()}`);
          cols.set(name, t ?? "unknown");
          sources.set(name, sourceOf(expr));
        }
        break;
      case "project-rename":
        for (const item of items) {
          const [lhs, rhs] = splitTop(item, "=");
          const to = lhs === undefined ? undefined : ident(lhs);
          const from = rhs === undefined ? undefined : ident(rhs);
          if (to === undefined || from === undefined) {
            unverified.push(`project-rename ${item}`);
            continue;
          }
          const t = cols.get(from);
          if (t === undefined) {
            errors.push(`project-rename ${to} = ${from}: the stream has no column ${from}`);
            continue;
          }
          const src = sources.get(from) ?? `column:${from}`;
          cols.delete(from);
          sources.delete(from);
          cols.set(to, t);
          sources.set(to, src);
        }
        break;
      case "project": {
        const next = new Map<string, string>();
        const nextSources = new Map<string, string>();
        for (const item of items) {
          const parts = splitTop(item, "=");
          if (parts.length === 1) {
            const name = ident(item);
            const t = name === undefined ? undefined : cols.get(name);
            if (name === undefined) unverified.push(`project ${item}`);
            else if (t === undefined) errors.push(`project ${name}: no such column at that point`);
            else {
              next.set(name, t);
              nextSources.set(name, sources.get(name) ?? `column:${name}`);
            }
          } else {
            const name = ident(parts[0] ?? "");
            const expr = parts.slice(1).join("=");
            if (name === undefined) {
              unverified.push(`project ${item}`);
              continue;
            }
            for (const c of referencedColumns(expr))
              if (!cols.has(c)) errors.push(`project ${name} reads column ${c}, which does not exist at that point`);
            const t = exprType(expr, cols);
            if (t === undefined) unverified.push(`type of ${name} = ${expr.trim()}`);
            next.set(name, t ?? "unknown");
            nextSources.set(name, sourceOf(expr));
          }
        }
        cols.clear();
        sources.clear();
        for (const [k, v] of next) cols.set(k, v);
        for (const [k, v] of nextSources) sources.set(k, v);
        break;
      }
      case "project-away":
        for (const item of items) {
          const name = ident(item);
          if (name === undefined) {
            unverified.push(`project-away ${item}`);
            unreadable.push(`project-away ${item}`);
          } else {
            cols.delete(name);
            sources.delete(name);
          }
        }
        break;
      default:
        unverified.push(`operator ${op || stage}`);
        if (ROW_OPERATORS[op] === undefined) unreadable.push(`operator ${op || stage}`);
    }
  }
  return result();
}

/** How a live transform departs from the solution's for Keeper's rows and columns. */
export interface Tampering {
  /** Stages that drop, sample or aggregate rows, each with what it does. */
  rows: string[];
  /** Keeper's columns the live transform removes, blanks or fills differently, each with how. */
  columns: string[];
  /** Names of the affected columns. */
  affectedColumns: string[];
  /** What could not be read (then nothing is known about the rows and columns). */
  unreadable: string[];
}

const BLANK = /^(?:(["'])\s*\1|@(["'])\2|null|[a-z]+\(\s*null\s*\)|dynamic\((?:\{\}|\[\])\)|tostring\((["'])\3\))$/i;

function described(source: string): string {
  return source.startsWith("column:") ? source.slice("column:".length) : source.slice("value:".length);
}

/**
 * Compares the live transform's reading with the solution's: any stage that drops rows, any of
 * `keeperColumns` that the live one removes or fills from something else, and anything unreadable.
 * Renaming, reordering, comments, spacing and extra columns are not tampering.
 */
export function tamperingOf(
  solution: TransformResult,
  live: TransformResult,
  keeperColumns: readonly string[],
): Tampering {
  const rows = live.rowFilters
    .filter((r) => !solution.rowFilters.includes(r))
    .map((r) => {
      const op = /^[a-z-]+/i.exec(r)?.[0]?.toLowerCase() ?? "";
      return `"${r}" ${ROW_OPERATORS[op] ?? "changes the rows"}`;
    });
  const columns: string[] = [];
  const affectedColumns: string[] = [];
  for (const c of keeperColumns) {
    const want = solution.sources[c];
    const got = live.sources[c];
    if (want === undefined || got === want) continue;
    affectedColumns.push(c);
    const from = `the solution fills it from ${described(want)}`;
    if (got === undefined) columns.push(`${c} is removed (${from})`);
    else if (got.startsWith("value:") && BLANK.test(described(got)))
      columns.push(`${c} is blanked (set to ${described(got)}; ${from})`);
    else columns.push(`${c} is overwritten with ${described(got)} (${from})`);
  }
  return { rows, columns, affectedColumns, unreadable: live.unreadable };
}

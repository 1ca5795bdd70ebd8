import type { Column, Table } from "../connector/types.js";
import { normalizeType } from "../connector/profile.js";

export interface ColumnDiff {
  missing: Column[];
  retyped: Array<{ name: string; expected: string; actual: string }>;
  extra: Column[];
}

/** Compares column sets by name (case-sensitive, as Log Analytics is) and normalised type. */
/** A table's custom columns and then its standard ones (TimeGenerated may be either). */
export function allColumns(t: Table): Column[] {
  const custom = new Set(t.columns.map((c) => c.name));
  return [...t.columns, ...(t.standardColumns ?? []).filter((c) => !custom.has(c.name))];
}

export function diffColumns(expected: readonly Column[], actual: readonly Column[]): ColumnDiff {
  const actualByName = new Map(actual.map((c) => [c.name, c]));
  const expectedNames = new Set(expected.map((c) => c.name));
  const missing: Column[] = [];
  const retyped: ColumnDiff["retyped"] = [];
  for (const c of expected) {
    const a = actualByName.get(c.name);
    if (!a) missing.push(c);
    else if (normalizeType(a.type) !== normalizeType(c.type))
      retyped.push({ name: c.name, expected: normalizeType(c.type), actual: normalizeType(a.type) });
  }
  const extra = actual.filter((c) => !expectedNames.has(c.name));
  return { missing, retyped, extra };
}

export function describeDiff(d: ColumnDiff): string {
  const parts: string[] = [];
  if (d.missing.length) parts.push(`missing ${d.missing.map((c) => c.name).join(", ")}`);
  if (d.retyped.length)
    parts.push(d.retyped.map((r) => `${r.name} is ${r.actual} (expected ${r.expected})`).join(", "));
  if (d.extra.length) parts.push(`extra ${d.extra.map((c) => c.name).join(", ")}`);
  return parts.join("; ");
}

export function changedFields(d: ColumnDiff): string[] {
  return [...d.missing.map((c) => c.name), ...d.retyped.map((r) => r.name), ...d.extra.map((c) => c.name)];
}

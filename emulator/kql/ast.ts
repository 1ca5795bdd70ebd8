export type Expr =
  | { k: "lit"; type: string; value: unknown }
  | { k: "col"; name: string }
  | { k: "call"; name: string; args: Expr[]; raw?: string }
  | { k: "bin"; op: string; l: Expr; r: Expr }
  | { k: "un"; op: string; e: Expr }
  | { k: "in"; e: Expr; list: Expr[]; neg: boolean; ci: boolean };

export interface NamedExpr {
  name?: string;
  expr: Expr;
}
export interface SortKey {
  expr: Expr;
  desc: boolean;
  nullsFirst?: boolean;
}

export type Op =
  | { op: "where"; pred: Expr }
  | { op: "extend"; items: NamedExpr[] }
  | { op: "serialize"; items: NamedExpr[] }
  | { op: "project"; items: NamedExpr[] }
  | { op: "project-away"; names: string[] }
  | { op: "project-keep"; names: string[] }
  | { op: "project-rename"; pairs: Array<[newName: string, oldName: string]> }
  | { op: "summarize"; aggs: NamedExpr[]; by: NamedExpr[] }
  | { op: "order"; keys: SortKey[] }
  | { op: "take"; n: number }
  | { op: "top"; n: number; key: SortKey }
  | { op: "count" }
  | { op: "distinct"; items: NamedExpr[] };

export interface Query {
  table: string;
  tablePos: number;
  ops: Op[];
}

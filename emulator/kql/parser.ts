import type { Expr, NamedExpr, Op, Query, SortKey } from "./ast.js";
import { KqlSyntaxError } from "./errors.js";
import { tokenize, type Token } from "./lexer.js";

const COMPARE = new Set(["==", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~"]);
const STRING_OPS = new Set([
  "contains",
  "!contains",
  "contains_cs",
  "!contains_cs",
  "has",
  "!has",
  "has_cs",
  "!has_cs",
  "startswith",
  "!startswith",
  "endswith",
  "!endswith",
  "startswith_cs",
  "endswith_cs",
]);

/** Parse a tabular KQL pipeline: `Table | op | op ...`. */
export function parseQuery(src: string): Query {
  return new Parser(tokenize(src), src).query();
}

/** Parse a scalar expression (used e.g. for transformKql fragments). */
export function parseExpression(src: string): Expr {
  const p = new Parser(tokenize(src), src);
  const e = p.expr();
  p.expectEof();
  return e;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  private peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private fail(t: Token = this.peek()): never {
    const text = t.kind === "eof" ? "<end of query>" : this.src.slice(t.pos, t.pos + Math.max(t.value.length, 1));
    throw new KqlSyntaxError(`Query could not be parsed at '${text}' on line [1,${t.pos}]`, t.pos, text);
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === "op" && t.value === v;
  }
  private isWord(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === "ident" && t.value.toLowerCase() === v;
  }
  private eatOp(v: string): void {
    if (!this.isOp(v)) this.fail();
    this.i++;
  }
  private eatWord(v: string): void {
    if (!this.isWord(v)) this.fail();
    this.i++;
  }
  private ident(): string {
    const t = this.peek();
    if (t.kind !== "ident") this.fail();
    this.i++;
    return t.value;
  }
  expectEof(): void {
    if (this.peek().kind !== "eof") this.fail();
  }

  query(): Query {
    while (this.isOp(";")) this.i++;
    const t = this.peek();
    if (t.kind !== "ident") this.fail();
    const table = this.ident();
    const ops: Op[] = [];
    while (this.isOp("|")) {
      this.i++;
      ops.push(this.operator());
    }
    while (this.isOp(";")) this.i++;
    this.expectEof();
    return { table, tablePos: t.pos, ops };
  }

  private int(): number {
    const t = this.next();
    if (t.kind !== "number" || !Number.isInteger(t.num)) this.fail(t);
    return t.num!;
  }

  private operator(): Op {
    const t = this.peek();
    if (t.kind !== "ident") this.fail();
    const word = t.value.toLowerCase();
    this.i++;
    switch (word) {
      case "where":
      case "filter":
        return { op: "where", pred: this.expr() };
      case "extend":
        return { op: "extend", items: this.namedList() };
      case "serialize":
        return { op: "serialize", items: this.isOp("|") || this.peek().kind === "eof" ? [] : this.namedList() };
      case "project":
        return { op: "project", items: this.namedList() };
      case "project-away":
        return { op: "project-away", names: this.identList() };
      case "project-keep":
        return { op: "project-keep", names: this.identList() };
      case "project-rename": {
        const pairs: Array<[string, string]> = [];
        do {
          const n = this.ident();
          this.eatOp("=");
          pairs.push([n, this.ident()]);
        } while (this.isOp(",") && this.next());
        return { op: "project-rename", pairs };
      }
      case "summarize": {
        const aggs = this.isWord("by") ? [] : this.namedList();
        let by: NamedExpr[] = [];
        if (this.isWord("by")) {
          this.i++;
          by = this.namedList();
        }
        if (aggs.length === 0 && by.length === 0) this.fail();
        return { op: "summarize", aggs, by };
      }
      case "order":
      case "sort": {
        this.eatWord("by");
        const keys: SortKey[] = [];
        do keys.push(this.sortKey());
        while (this.isOp(",") && this.next());
        return { op: "order", keys };
      }
      case "take":
      case "limit":
        return { op: "take", n: this.int() };
      case "top": {
        const n = this.int();
        this.eatWord("by");
        return { op: "top", n, key: this.sortKey() };
      }
      case "count":
        return { op: "count" };
      case "distinct":
        return { op: "distinct", items: this.namedList() };
      default:
        this.i--;
        return this.fail();
    }
  }

  private sortKey(): SortKey {
    const expr = this.expr();
    let desc = true;
    if (this.isWord("asc")) {
      this.i++;
      desc = false;
    } else if (this.isWord("desc")) this.i++;
    let nullsFirst: boolean | undefined;
    if (this.isWord("nulls")) {
      this.i++;
      if (this.isWord("first")) nullsFirst = true;
      else if (this.isWord("last")) nullsFirst = false;
      else this.fail();
      this.i++;
    }
    return nullsFirst === undefined ? { expr, desc } : { expr, desc, nullsFirst };
  }

  private identList(): string[] {
    const names: string[] = [];
    do names.push(this.ident());
    while (this.isOp(",") && this.next());
    return names;
  }

  private namedList(): NamedExpr[] {
    const items: NamedExpr[] = [];
    do {
      if (this.peek().kind === "ident" && this.isOp("=", 1)) {
        const name = this.ident();
        this.i++;
        items.push({ name, expr: this.expr() });
      } else items.push({ expr: this.expr() });
    } while (this.isOp(",") && this.next());
    return items;
  }

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let l = this.and();
    while (this.isWord("or")) {
      this.i++;
      l = { k: "bin", op: "or", l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.comparison();
    while (this.isWord("and")) {
      this.i++;
      l = { k: "bin", op: "and", l, r: this.comparison() };
    }
    return l;
  }

  private comparison(): Expr {
    const l = this.additive();
    const t = this.peek();
    if (t.kind === "op" && COMPARE.has(t.value)) {
      this.i++;
      return { k: "bin", op: t.value === "<>" ? "!=" : t.value, l, r: this.additive() };
    }
    const word = t.kind === "ident" ? t.value.toLowerCase() : t.kind === "op" ? t.value : "";
    if (STRING_OPS.has(word)) {
      this.i++;
      return { k: "bin", op: word, l, r: this.additive() };
    }
    if (word === "in" || word === "!in" || word === "in~" || word === "!in~") {
      this.i++;
      let ci = false;
      if (this.isOp("~")) {
        this.i++;
        ci = true;
      }
      this.eatOp("(");
      const list: Expr[] = [];
      if (!this.isOp(")"))
        do list.push(this.expr());
        while (this.isOp(",") && this.next());
      this.eatOp(")");
      return { k: "in", e: l, list, neg: word.startsWith("!"), ci };
    }
    return l;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next().value;
      l = { k: "bin", op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.unary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const op = this.next().value;
      l = { k: "bin", op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp("-")) {
      this.i++;
      return { k: "un", op: "-", e: this.unary() };
    }
    if (this.isOp("+")) {
      this.i++;
      return this.unary();
    }
    return this.primary();
  }

  /** Dynamic member access: Data.field, Data["field"], Data[0]. */
  private postfix(e: Expr): Expr {
    for (;;) {
      if (this.isOp(".") && this.peek(1).kind === "ident") {
        this.i++;
        e = { k: "call", name: "__member", args: [e, { k: "lit", type: "string", value: this.ident() }] };
      } else if (this.isOp("[")) {
        this.i++;
        const key = this.expr();
        this.eatOp("]");
        e = { k: "call", name: "__member", args: [e, key] };
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { k: "lit", type: Number.isInteger(t.num) && !/[.eE]/.test(t.value) ? "long" : "real", value: t.num };
      case "string":
        return { k: "lit", type: "string", value: t.value };
      case "timespan":
        return { k: "lit", type: "timespan", value: t.num };
      case "op":
        if (t.value === "(") {
          const e = this.expr();
          this.eatOp(")");
          return e;
        }
        return this.fail(t);
      case "ident": {
        const lower = t.value.toLowerCase();
        if (lower === "true" || lower === "false") return { k: "lit", type: "bool", value: lower === "true" };
        if (lower === "null") return { k: "lit", type: "dynamic", value: null };
        if (this.peek().kind === "raw") return { k: "call", name: lower, args: [], raw: this.next().value };
        if (this.isOp("(")) {
          this.i++;
          const args: Expr[] = [];
          if (!this.isOp(")"))
            do args.push(this.expr());
            while (this.isOp(",") && this.next());
          this.eatOp(")");
          return { k: "call", name: lower, args };
        }
        return this.postfix({ k: "col", name: t.value });
      }
      default:
        return this.fail(t);
    }
  }
}

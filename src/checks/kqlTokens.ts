/**
 * A small KQL tokeniser: enough to read DCR transforms without being fooled by comments, quotes or
 * spacing. Token rules follow the Kusto reference: `//` comments to the end of the line; string
 * literals in single or double quotes with backslash escapes, verbatim `@"…"` (a doubled quote is a
 * quote), obfuscated `h"…"`, and multi-line ```` ```…``` ````
 * (https://learn.microsoft.com/kusto/query/scalar-data-types/string).
 */
export interface KqlToken {
  kind: "ident" | "string" | "number" | "punct";
  text: string;
}

export type Tokenised = { ok: true; tokens: KqlToken[] } | { ok: false; error: string };

/** Operator names spelled with a hyphen (read as one word, not a subtraction). */
const HYPHENATED = new Set([
  "project-away",
  "project-keep",
  "project-rename",
  "project-reorder",
  "mv-expand",
  "mv-apply",
  "make-series",
  "sample-distinct",
  "top-nested",
  "top-hitters",
  "parse-where",
  "parse-kv",
]);

const TWO_CHAR = new Set(["==", "!=", "=~", "!~", "<=", ">=", "=>", "..", "<>"]);
const CLOSE: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

export function tokenise(text: string): Tokenised {
  const tokens: KqlToken[] = [];
  const open: string[] = [];
  let i = 0;
  const at = (n = 0) => text[i + n] ?? "";
  while (i < text.length) {
    const ch = at();
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "/" && at(1) === "/") {
      while (i < text.length && at() !== "\n") i++;
      continue;
    }
    const start = i;
    if (ch === "`" && text.startsWith("```", i)) {
      const end = text.indexOf("```", i + 3);
      if (end < 0) return { ok: false, error: `unterminated \`\`\` string at character ${start}` };
      i = end + 3;
      tokens.push({ kind: "string", text: text.slice(start, i) });
      continue;
    }
    const prefixed = /[@hH]/.test(ch) && (at(1) === '"' || at(1) === "'");
    if (prefixed || ch === '"' || ch === "'") {
      const verbatim = ch === "@" || (/[hH]/.test(ch) && at(1) === "@");
      i += prefixed ? 1 : 0;
      const quote = at();
      i++;
      let closed = false;
      while (i < text.length) {
        const c = at();
        if (c === "\n" && !verbatim) break;
        if (!verbatim && c === "\\") {
          i += 2;
          continue;
        }
        i++;
        if (c === quote) {
          if (verbatim && at() === quote) {
            i++;
            continue;
          }
          closed = true;
          break;
        }
      }
      if (!closed) return { ok: false, error: `unterminated string at character ${start}` };
      tokens.push({ kind: "string", text: text.slice(start, i) });
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      while (/[A-Za-z0-9_$]/.test(at())) i++;
      const word = text.slice(start, i);
      const m = /^-[a-z]+/i.exec(text.slice(i));
      if (m && HYPHENATED.has(`${word}${m[0]}`.toLowerCase())) i += m[0].length;
      // datetime(2001-01-01 10:00), timespan(1d), guid(…): the literal inside is not an expression
      const literal = /^(datetime|timespan|guid)\s*\(([^()"']*)\)/i.exec(text.slice(start));
      if (literal) {
        i = start + literal[0].length;
        tokens.push({ kind: "string", text: `${literal[1]}(${literal[2]!.trim()})` });
        continue;
      }
      tokens.push({ kind: "ident", text: text.slice(start, i) });
      continue;
    }
    // negated string operators: !has, !contains, !in, !startswith, …
    const negated = /^![a-z_]+/i.exec(text.slice(i));
    if (negated) {
      i += negated[0].length;
      tokens.push({ kind: "punct", text: negated[0] });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      while (/[0-9A-Za-z_.]/.test(at()) && !(at() === "." && at(1) === ".")) i++;
      tokens.push({ kind: "number", text: text.slice(start, i) });
      continue;
    }
    const two = text.slice(i, i + 2);
    const p = TWO_CHAR.has(two) ? two : ch;
    i += p.length;
    if (p === "(" || p === "[" || p === "{") open.push(p);
    else if (CLOSE[p] !== undefined && open.pop() !== CLOSE[p])
      return { ok: false, error: `unbalanced "${p}" at character ${start}` };
    tokens.push({ kind: "punct", text: p });
  }
  if (open.length) return { ok: false, error: `unclosed "${open.at(-1)}"` };
  return { ok: true, tokens };
}

/** The tokens as one line: single spaces, none inside brackets or before a comma. */
export function joinTokens(tokens: readonly KqlToken[]): string {
  let out = "";
  let prev: KqlToken | undefined;
  for (const t of tokens) {
    const tight =
      prev === undefined ||
      prev.text === "(" ||
      prev.text === "[" ||
      t.text === ")" ||
      t.text === "]" ||
      t.text === "," ||
      (t.text === "(" && prev.kind === "ident") ||
      (t.text === "[" && prev.kind === "ident");
    out += (tight ? "" : " ") + t.text;
    prev = t;
  }
  return out;
}

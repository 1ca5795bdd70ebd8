import { KqlSyntaxError } from "./errors.js";

export type TokenKind = "ident" | "number" | "string" | "timespan" | "raw" | "op" | "eof";
export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
  num?: number;
}

const TIMESPAN_UNITS: Record<string, number> = {
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  microsecond: 0.001,
  microseconds: 0.001,
  tick: 0.0001,
  ticks: 0.0001,
};
const HYPHENATED = new Set([
  "project-away",
  "project-rename",
  "project-keep",
  "project-reorder",
  "mv-expand",
  "parse-where",
]);
/** Function-like literals whose argument is raw text in KQL, e.g. datetime(2024-01-01 10:00). */
const RAW_LITERALS = new Set(["datetime", "timespan", "time", "dynamic"]);
const OPS = [
  "==",
  "!=",
  "<>",
  "<=",
  ">=",
  "=~",
  "!~",
  "..",
  "<",
  ">",
  "=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "(",
  ")",
  ",",
  "|",
  "[",
  "]",
  ".",
  ";",
  "{",
  "}",
  ":",
  "~",
];

const isIdStart = (c: string) => /[A-Za-z_$]/.test(c);
const isId = (c: string) => /[A-Za-z0-9_$]/.test(c);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    const start = i;
    // strings: '...', "...", verbatim @'...'
    if (c === "'" || c === '"' || (c === "@" && (src[i + 1] === "'" || src[i + 1] === '"'))) {
      const verbatim = c === "@";
      if (verbatim) i++;
      const q = src[i]!;
      i++;
      let s = "";
      for (;;) {
        if (i >= src.length) throw new KqlSyntaxError("Unterminated string literal", start, src.slice(start));
        const ch = src[i]!;
        if (ch === q) {
          i++;
          break;
        }
        if (ch === "\\" && !verbatim) {
          const n = src[i + 1];
          s += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : (n ?? "");
          i += 2;
          continue;
        }
        s += ch;
        i++;
      }
      out.push({ kind: "string", value: s, pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      if (src[i] === "." && /[0-9]/.test(src[i + 1] ?? "")) {
        i++;
        while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      }
      if ((src[i] === "e" || src[i] === "E") && /[-+0-9]/.test(src[i + 1] ?? "") && !isId(src[i + 2] ?? "x")) {
        i += 2;
        while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      }
      const numText = src.slice(start, i);
      if (i < src.length && isIdStart(src[i]!)) {
        const us = i;
        while (i < src.length && isId(src[i]!)) i++;
        const unit = src.slice(us, i).toLowerCase();
        const mult = TIMESPAN_UNITS[unit];
        if (mult === undefined)
          throw new KqlSyntaxError(`Query could not be parsed at '${src.slice(start, i)}'`, start, src.slice(start, i));
        out.push({ kind: "timespan", value: src.slice(start, i), pos: start, num: Number(numText) * mult });
        continue;
      }
      out.push({ kind: "number", value: numText, pos: start, num: Number(numText) });
      continue;
    }
    if (c === "[" && (src[i + 1] === "'" || src[i + 1] === '"')) {
      // ['column name']
      const q = src[i + 1]!;
      const end = src.indexOf(q + "]", i + 2);
      if (end < 0) throw new KqlSyntaxError("Unterminated bracketed identifier", start, src.slice(start));
      out.push({ kind: "ident", value: src.slice(i + 2, end), pos: start });
      i = end + 2;
      continue;
    }
    if (isIdStart(c)) {
      while (i < src.length && isId(src[i]!)) i++;
      let word = src.slice(start, i);
      if (src[i] === "-" && isIdStart(src[i + 1] ?? "")) {
        let j = i + 1;
        while (j < src.length && isId(src[j]!)) j++;
        const joined = `${word}-${src.slice(i + 1, j)}`;
        if (HYPHENATED.has(joined.toLowerCase())) {
          word = joined;
          i = j;
        }
      }
      out.push({ kind: "ident", value: word, pos: start });
      if (RAW_LITERALS.has(word.toLowerCase())) {
        let j = i;
        while (j < src.length && /\s/.test(src[j]!)) j++;
        if (src[j] === "(") {
          let depth = 0;
          let k = j;
          for (; k < src.length; k++) {
            if (src[k] === "(" || src[k] === "[" || src[k] === "{") depth++;
            else if (src[k] === ")" || src[k] === "]" || src[k] === "}") {
              depth--;
              if (depth === 0) break;
            }
          }
          if (k >= src.length)
            throw new KqlSyntaxError(`Query could not be parsed at '${src.slice(start)}'`, start, src.slice(start));
          out.push({ kind: "raw", value: src.slice(j + 1, k).trim(), pos: j });
          i = k + 1;
        }
      }
      continue;
    }
    if (c === "!" && isIdStart(src[i + 1] ?? "")) {
      i++;
      while (i < src.length && isId(src[i]!)) i++;
      out.push({ kind: "op", value: src.slice(start, i).toLowerCase(), pos: start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new KqlSyntaxError(`Query could not be parsed at '${c}'`, start, c);
    out.push({ kind: "op", value: op, pos: start });
    i += op.length;
  }
  out.push({ kind: "eof", value: "", pos: src.length });
  return out;
}

export function parseTimespanText(text: string): number | null {
  const t = text.trim().replace(/^["']|["']$/g, "");
  const m = /^(-?[0-9]*\.?[0-9]+)\s*([A-Za-z]+)$/.exec(t);
  if (m) {
    const mult = TIMESPAN_UNITS[m[2]!.toLowerCase()];
    return mult === undefined ? null : Number(m[1]) * mult;
  }
  // [-][d.]hh:mm[:ss[.fffffff]]
  const c = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(t);
  if (c) {
    const ms =
      Number(c[2] ?? 0) * 86_400_000 +
      Number(c[3]) * 3_600_000 +
      Number(c[4]) * 60_000 +
      Number(c[5] ?? 0) * 1000 +
      Number(`0.${c[6] ?? "0"}`) * 1000;
    return c[1] ? -ms : ms;
  }
  return null;
}

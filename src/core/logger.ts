import { visible } from "./safeText.js";

/** A tiny logger: key=value lines, through InvocationContext in Azure or a test's collector. */
export interface Logger {
  info(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
  warn(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

/** One line: values through visible() (bounded, no control character can forge a line), quoted when needed. */
export function formatLine(
  message: string,
  fields: Record<string, string | number | boolean | undefined> = {},
): string {
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const s = visible(String(v));
      return `${visible(k, 100)}=${typeof v === "string" && /[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
    });
  return [visible(message), ...kv].join(" ");
}

/** Adapts anything with log/warn/error (InvocationContext, console) to Logger. */
export function loggerFrom(sink: {
  log(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
}): Logger {
  return {
    info: (m, f) => sink.log(formatLine(m, f)),
    warn: (m, f) => sink.warn(formatLine(m, f)),
    error: (m, f) => sink.error(formatLine(m, f)),
  };
}

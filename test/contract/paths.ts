/** Every key path of a JSON value; array items collapse to `[]`. */
export function keyPaths(v: unknown, at = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${at}[]`, out);
  else if (typeof v === "object" && v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.add(`${at}.${k}`);
      keyPaths(x, `${at}.${k}`, out);
    }
  return out;
}

/** The key paths of `ours` that are neither in the official example nor listed as documented. */
export const extraPaths = (ours: unknown, official: unknown, documented: readonly string[]): string[] => {
  const allowed = new Set([...keyPaths(official), ...documented]);
  return [...keyPaths(ours)].filter((p) => !allowed.has(p));
};

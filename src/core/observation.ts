/**
 * What the monitor saw of one resource: found, definitely absent, or not knowable this time.
 * "unknown" carries the reason (403, throttling, timeout, malformed reply) and is never read
 * as "missing".
 */
export type Observation<T> =
  { kind: "found"; value: T } | { kind: "missing" } | { kind: "unknown"; reason: string; remediation?: string };

export const found = <T>(value: T): Observation<T> => ({ kind: "found", value });
export const missing = <T>(): Observation<T> => ({ kind: "missing" });
export const notKnown = <T>(reason: string, remediation?: string): Observation<T> =>
  remediation === undefined ? { kind: "unknown", reason } : { kind: "unknown", reason, remediation };

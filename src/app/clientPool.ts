/**
 * What every target of one process shares, per monitor credential (its innermost credential, see
 * rootCredential): the SDK clients, their HTTP agents and connections, and what they looked up
 * once (a workspace's customer id). A deployment watching many connectors builds the clients of
 * each service once, not once per connector; a target's own values (its DCR, table, Key Vault
 * secret name) stay in its runs' arguments. A monitor built with another credential (a test's
 * emulator, a second identity) gets clients of its own.
 */
const pools = new WeakMap<object, Map<string, unknown>>();

/** The value kept for `key` under `owner`, made by `make` the first time. */
export function pooled<T>(owner: object, key: string, make: () => T): T {
  let pool = pools.get(owner);
  if (!pool) pools.set(owner, (pool = new Map<string, unknown>()));
  if (pool.has(key)) return pool.get(key) as T;
  const value = make();
  pool.set(key, value);
  return value;
}

/** `pooled` bound to one owner, with a key prefix (the cloud's endpoints: a client is for one cloud). */
export type Pool = <T>(key: string, make: () => T) => T;

export function poolOf(owner: object, prefix: string): Pool {
  return (key, make) => pooled(owner, `${prefix}|${key}`, make);
}

/** No sharing: each call makes its own (a single target, the benchmark's scripted run). */
export const unpooled: Pool = (_key, make) => make();

/**
 * Orders strings by UTF-16 code unit, as `Array.prototype.sort` does without a comparator: the same
 * order on every machine, whatever its locale, and with no collator to build. `localeCompare`
 * builds an ICU collator on first use (≈ 10 ms of a fresh process's first run) and orders by the
 * host's locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

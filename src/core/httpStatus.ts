/** The HTTP status an error from an Azure SDK (RestError) or a Table storage client carries, if any. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

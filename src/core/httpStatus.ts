/** The HTTP status an error from an Azure SDK (RestError) or a Table storage client carries, if any. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** 409 (already exists) and 412 (ETag moved): in Table storage, another writer got there first. */
export function isConflict(e: unknown): boolean {
  const s = statusOf(e);
  return s === 409 || s === 412;
}

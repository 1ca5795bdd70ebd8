/** Shapes of the identifiers the monitor reads from settings, tokens and Azure replies. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DCR_IMMUTABLE_ID = /^dcr-[0-9a-f]{32}$/i;

/** A GUID (object ids, app ids, tenant ids, key ids), in either case. */
export const isGuid = (v: string): boolean => GUID.test(v);

/** A DCR immutable id: "dcr-" followed by 32 hex digits. */
export const isDcrImmutableId = (v: string): boolean => DCR_IMMUTABLE_ID.test(v);

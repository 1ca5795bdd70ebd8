import { z } from "zod";
import type { ActivityEvent } from "../connector/types.js";
import { visible } from "../core/safeText.js";

/**
 * The Azure Activity Log (Microsoft.Insights eventtypes/management/values, API 2015-04-01) mapped
 * to our events. Shape: azure-rest-api-specs
 * specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json
 * (EventData) and its example GetActivityLogsFiltered.json.
 */

/** Pages read per query at most: the latest events come first, older ones matter less. */
export const ACTIVITY_LOG_MAX_PAGES = 5;

/** A user principal name is at most 113 characters; an app id is a GUID. Longer is not shown whole. */
const MAX_CALLER = 256;
const MAX_APP_ID = 64;
const MAX_ID = 2000;

const localizable = z.object({ value: z.string() }).nullish();
/** Only the fields the monitor reads; the SDK turns eventTimestamp into a Date, the wire has a string. */
const eventData = z.object({
  caller: z.string().nullish(),
  claims: z.record(z.string(), z.unknown()).nullish(),
  operationName: localizable,
  status: localizable,
  resourceId: z.string().nullish(),
  eventTimestamp: z.union([z.string(), z.date()]),
});

/**
 * One event as ours, when it is a succeeded write or delete with a time; undefined otherwise
 * (a started, failed or read event, or one without the fields). Azure-side text made visible and
 * bounded here.
 */
export function toActivityEvent(raw: unknown): ActivityEvent | undefined {
  const p = eventData.safeParse(raw);
  if (!p.success) return undefined;
  const e = p.data;
  const op = e.operationName?.value ?? "";
  const action = /\/write$/i.test(op) ? "write" : /\/delete$/i.test(op) ? "delete" : undefined;
  if (!action || (e.status?.value ?? "").toLowerCase() !== "succeeded") return undefined;
  const at = e.eventTimestamp instanceof Date ? e.eventTimestamp : new Date(e.eventTimestamp);
  if (!Number.isFinite(at.getTime())) return undefined;
  const caller = e.caller?.trim();
  const appId = e.claims?.["appid"];
  return {
    operation: visible(op, 300),
    action,
    resourceId: visible(e.resourceId ?? "", MAX_ID),
    ...(caller ? { caller: visible(caller, MAX_CALLER) } : {}),
    ...(typeof appId === "string" && appId.trim() ? { appId: visible(appId.trim(), MAX_APP_ID) } : {}),
    at,
  };
}

/** The documented $filter for one resource's or one resource group's events in a time range. */
export function activityFilter(
  from: Date,
  to: Date,
  scope: { resourceUri: string } | { resourceGroup: string },
): string {
  const range = `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${to.toISOString()}'`;
  return "resourceUri" in scope
    ? `${range} and resourceUri eq '${scope.resourceUri}'`
    : `${range} and resourceGroupName eq '${scope.resourceGroup}'`;
}

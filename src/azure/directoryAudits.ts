import { z } from "zod";
import type { ActivityEvent } from "../connector/types.js";
import { visible } from "../core/safeText.js";

/**
 * Microsoft Entra audit records (Graph GET /auditLogs/directoryAudits, v1.0) mapped to our events.
 * Shape: microsoft-graph-docs-contrib api-reference/v1.0/api/directoryaudit-list.md (directoryAudit).
 * Needs the application permission AuditLog.Read.All; an optional source.
 */

/** Records read per query at most (one page): the newest come first ($orderby). */
export const DIRECTORY_AUDITS_TOP = 50;

const str = z.string().nullish();
const record = z.object({
  activityDisplayName: z.string(),
  activityDateTime: z.string(),
  result: str,
  initiatedBy: z
    .object({
      user: z.object({ id: str, userPrincipalName: str }).nullish(),
      app: z.object({ appId: str, displayName: str, servicePrincipalId: str }).nullish(),
    })
    .nullish(),
  targetResources: z.array(z.object({ id: str })).nullish(),
});

/** One succeeded audit record about `targetId`, or undefined (failed, other target, not of the shape). */
export function toAuditEvent(raw: unknown, targetId: string): ActivityEvent | undefined {
  const p = record.safeParse(raw);
  if (!p.success) return undefined;
  const r = p.data;
  if ((r.result ?? "").toLowerCase() !== "success") return undefined;
  if (!(r.targetResources ?? []).some((t) => (t.id ?? "").toLowerCase() === targetId.toLowerCase())) return undefined;
  const at = new Date(r.activityDateTime);
  if (!Number.isFinite(at.getTime())) return undefined;
  const u = r.initiatedBy?.user;
  const a = r.initiatedBy?.app;
  const caller = u?.userPrincipalName || u?.id || (a?.displayName ? `app ${a.displayName}` : a?.appId) || undefined;
  return {
    operation: visible(r.activityDisplayName, 300),
    action: "write",
    resourceId: targetId,
    ...(caller ? { caller: visible(caller, 256) } : {}),
    at,
  };
}

/** The documented filter: records about one object since `from`. */
export function auditFilter(objectId: string, from: Date): string {
  return `targetResources/any(t:t/id eq '${objectId}') and activityDateTime ge ${from.toISOString()}`;
}

import type { ActivityEvent, ActivityRead, ActivityScope } from "../connector/types.js";
import { parseArmId, sameArmId, scopeCovers } from "../core/armId.js";
import type { Finding } from "../core/finding.js";
import { loggerFrom, type Logger } from "../core/logger.js";
import { changeWords } from "../report/evidence.js";
import { DAY } from "../core/time.js";
import { isGuid } from "../core/ids.js";

/**
 * "Who and when" for drift problems: the latest succeeded write or delete of the resource a
 * problem is about, from the Azure Activity Log, added to the finding in words ("Removed by
 * alice@contoso.com at 2026-12-03 14:02 UTC, from the Azure portal.") and as evidence.lastChange.
 * Only problems cost a read (a healthy run reads nothing), one read per resource. An optional
 * source: a 403 adds a note naming the role that lets the monitor read it; any other failure
 * leaves the finding as it was and logs one line.
 */

/** The Activity Log's retention (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log). */
export const LOOKBACK_DAYS = 90;

/** The read the enrichment needs: the adapter binds it to the run's time limits. */
export type ActivityLogRead = (scope: ActivityScope, from: Date, to: Date) => Promise<ActivityRead>;
/** Entra audit records about one directory object since `from` (Graph directoryAudits). */
export type DirectoryAuditRead = (objectId: string, from: Date) => Promise<ActivityRead>;

export interface WhoWhenDeps {
  read: ActivityLogRead;
  now: Date;
  /** The DCR's id: a lost role assignment is looked for in its resource group. */
  dcrId: string;
  /** The Keeper app's audit records, when the app was read: who changed its secrets. */
  audits?: { read: DirectoryAuditRead; appObjectId: string };
  /** When the connector was last seen healthy, if known: nothing older is looked at. */
  since?: Date;
  log?: Logger;
}

/** claims.appid of the tools people use (first-party app ids, the same in every tenant). */
const TOOLS: Record<string, string> = {
  "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "the Azure portal",
  "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Azure CLI",
  "1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
};

type Verb = "deleted" | "changed" | "removed" | "secrets changed";

interface Target {
  key: string;
  /** The one read of this target (shared by the findings it explains). */
  read: (from: Date, to: Date) => Promise<ActivityRead>;
  /** What is read, in words, for the log line. */
  where: string;
  /** The note for a 403: what adds who and when. */
  grant: string;
  /** Which events tell this finding's change, and how it is said. */
  pick: (e: ActivityEvent) => Verb | undefined;
}

/** Checks whose problem is a deleted resource (the delete is what to tell). */
const GONE = new Set(["workspace.exists", "table.exists", "dcr.exists", "dce.exists"]);
/** Checks whose problem is a changed resource (its latest write or delete). */
const CHANGED = new Set(["table.schema", "dcr.immutableId", "dcr.stream", "dcr.dataFlow", "dce.endpoint"]);
const ROLE_DELETE = /^Microsoft\.Authorization\/roleAssignments\/delete$/i;
const ROLE_SCOPE = /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i;

const ARM_NOTE =
  "the monitor may not read the Activity Log (Microsoft.Insights/eventtypes/values/read); Monitoring Reader on";
/** The Entra audit activity of adding or removing an app's secrets. */
const SECRETS_ACTIVITY = /certificates and secrets management/i;

function armTarget(key: string, scope: ActivityScope, deps: WhoWhenDeps, pick: Target["pick"]): Target {
  const where = scopeWords(scope);
  return { key, read: (from, to) => deps.read(scope, from, to), where, grant: `${ARM_NOTE} ${where} adds it`, pick };
}

function targetOf(f: Finding, findings: readonly Finding[], deps: WhoWhenDeps): Target | undefined {
  if (f.status !== "problem") return undefined;
  const id = f.resource;
  const dcrId = deps.dcrId;
  const audits = deps.audits;
  const changed = f.evidence?.changed;
  if (f.check === "secret.vault" && audits && Array.isArray(changed) && changed.includes("keyId"))
    // the vault's credential is no longer on the app: who changed the app's secrets
    return {
      key: `audit:${audits.appObjectId.toLowerCase()}`,
      read: (from) => audits.read(audits.appObjectId, from),
      where: "the Entra audit log of the Keeper app",
      grant:
        "the monitor may not read the Entra audit log; the Microsoft Graph application permission AuditLog.Read.All adds it",
      pick: (e) => (SECRETS_ACTIVITY.test(e.operation) ? "secrets changed" : undefined),
    };
  if (id && /^\/subscriptions\//i.test(id) && (GONE.has(f.check) || CHANGED.has(f.check))) {
    const gone = GONE.has(f.check);
    return armTarget(`resource:${id.toLowerCase()}`, { kind: "resource", resourceId: id }, deps, (e) =>
      !sameArmId(e.resourceId, id) ? undefined : e.action === "delete" ? "deleted" : gone ? undefined : "changed",
    );
  }
  if (f.check === "role.assignment" && f.cause?.kind === "role-missing" && f.cause.principalId !== undefined) {
    // a deleted DCR took its assignments with it: dcr.exists tells that
    if (findings.some((x) => x.check === "dcr.exists" && x.status === "problem")) return undefined;
    const dcr = parseArmId(dcrId);
    if (!dcr) return undefined;
    return armTarget(
      `group:${dcr.subscriptionId.toLowerCase()}/${dcr.resourceGroup.toLowerCase()}`,
      { kind: "resourceGroup", subscriptionId: dcr.subscriptionId, resourceGroup: dcr.resourceGroup },
      deps,
      // an assignment removed at the DCR or above it (its resource group)
      (e) =>
        ROLE_DELETE.test(e.operation) && scopeCovers(e.resourceId.replace(ROLE_SCOPE, ""), dcrId)
          ? "removed"
          : undefined,
    );
  }
  return undefined;
}

function changeOf(e: ActivityEvent, verb: Verb): Record<string, string> {
  const tool = e.appId === undefined ? undefined : (TOOLS[e.appId.toLowerCase()] ?? `app ${e.appId}`);
  const by = e.caller === undefined ? undefined : isGuid(e.caller) ? `object id ${e.caller}` : e.caller;
  return {
    action: verb,
    ...(by ? { by } : {}),
    at: e.at.toISOString(),
    ...(tool ? { via: tool } : {}),
    operation: e.operation,
  };
}

function scopeWords(s: ActivityScope): string {
  if (s.kind === "resourceGroup") return `resource group ${s.resourceGroup}`;
  const id = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(s.resourceId);
  return id ? `resource group ${id[1]}` : s.resourceId;
}

/** The findings with who and when added to each drift problem the Activity Log explains. */
export async function addWhoWhen(findings: Finding[], deps: WhoWhenDeps): Promise<Finding[]> {
  const targets = findings.map((f) => targetOf(f, findings, deps));
  const unique = new Map<string, Target>();
  for (const t of targets) if (t) unique.set(t.key, t);
  if (unique.size === 0) return findings;

  const log = deps.log ?? loggerFrom(console);
  const oldest = deps.now.getTime() - LOOKBACK_DAYS * DAY;
  const from = new Date(Math.max(oldest, deps.since?.getTime() ?? oldest));
  const reads = new Map<string, ActivityRead>();
  await Promise.all(
    [...unique].map(async ([key, t]) => {
      let r: ActivityRead;
      try {
        r = await t.read(from, deps.now);
      } catch (e) {
        r = { kind: "failed", reason: e instanceof Error ? e.name : "error" };
      }
      reads.set(key, r);
      if (r.kind === "failed")
        log.warn("who-and-when: change log not read; findings keep no who/when", {
          scope: t.where,
          reason: r.reason,
        });
    }),
  );

  return findings.map((f, i) => {
    const t = targets[i];
    const r = t && reads.get(t.key);
    if (!t || !r) return f;
    if (r.kind === "forbidden")
      return {
        ...f,
        evidence: {
          ...f.evidence,
          lastChangeNote: `not shown: ${t.grant}`,
        },
      };
    if (r.kind !== "events") return f;
    let latest: { e: ActivityEvent; verb: Verb } | undefined;
    for (const e of r.events) {
      const verb = t.pick(e);
      if (verb && (!latest || e.at.getTime() > latest.e.at.getTime())) latest = { e, verb };
    }
    if (!latest) return f;
    const change = changeOf(latest.e, latest.verb);
    const words = changeWords(change);
    return {
      ...f,
      summary: `${f.summary} ${words[0]!.toUpperCase()}${words.slice(1)}.`,
      evidence: { ...f.evidence, lastChange: change },
    };
  });
}

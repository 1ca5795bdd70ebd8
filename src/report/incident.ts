import { formatDuration } from "../core/duration.js";
import type { Finding, Severity } from "../core/finding.js";
import type { Cause } from "../core/cause.js";

import type { Incident } from "../core/incident.js";
import { compareText } from "../core/compareText.js";

export type { Incident };

/** What grouping may know besides the findings. */
export interface GroupOptions {
  /** The run's time: titles say how long ago events stopped. */
  at?: Date;
  /** The monitor's own principal id (the `oid` of its token), for the role assignment a 403 asks for. */
  monitorPrincipalId?: string;
}

/** An incident with the findings it carries, the cause's first. */
export interface IncidentGroup {
  incident: Incident;
  findings: Finding[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The checks that show Keeper's events not arriving: symptoms, never a cause. */
const SYMPTOMS = ["ingestion.freshness", "ingestion.diagnosis", "ingestion.volume", "ingestion.latency"];

/** The ingestion diagnosis' causes (src/ingestion/diagnosis.ts CauseId) in words, for a title. */
const CAUSE_WORDS: Record<string, string> = {
  "role-missing": "the Keeper app lost Monitoring Metrics Publisher on the DCR",
  "secret-expired": "the Keeper app's client secret expired",
  "secret-wrong": "Keeper signs in with a wrong or removed client secret",
  "app-missing": "the Keeper app registration or its service principal is gone",
  "sp-disabled": "the Keeper app's service principal is disabled",
  "dcr-missing": "the data collection rule was deleted",
  "dcr-changed": "the DCR was changed (stream, transform or immutable id)",
  "dce-changed": "the data collection endpoint was deleted or re-created",
  "table-changed": "the Keeper table was deleted or its schema changed",
  "workspace-missing": "the Sentinel workspace is gone",
  "daily-cap": "the workspace reached its daily cap",
  throttled: "Keeper's pushes are throttled (429)",
  "keeper-stopped": "Keeper stopped sending while every piece of the connector is healthy",
};

/** Where to find the monitor's principal id when its token did not say. */
export const MONITOR_PRINCIPAL_PLACEHOLDER = "<the monitor's principal id>";
const FIND_PRINCIPAL =
  "the monitor's principal id is `az ad signed-in-user show --query id -o tsv` when run as you, or the Function App's identity: `az functionapp identity show --name <function app> --resource-group <rg> --query principalId -o tsv`";

const findingId = (f: Pick<Finding, "check" | "resource">): string =>
  f.resource ? `${f.check}:${f.resource}` : f.check;
const lc = (s: string | undefined) => (s ?? "").toLowerCase();

/**
 * A broken piece that explains another finding: a deleted DCR takes the role on it and the checks
 * that could not read it; a deleted workspace its table; a deleted app its service principal and
 * secrets.
 */
function absorbs(root: Finding & { cause: Cause }, other: Finding): boolean {
  const c = root.cause;
  const oc = other.cause;
  const under = other.status === "unknown" && !!root.resource && lc(other.resource).startsWith(lc(root.resource));
  switch (c.kind) {
    case "dcr-missing":
      return under || (oc?.kind === "role-missing" && lc(oc.scope) === lc(c.dcrId));
    case "workspace-missing":
      return under || (oc?.kind === "table-missing" && oc.withWorkspace);
    case "table-missing":
      return under;
    case "app-missing":
      return (
        under ||
        oc?.kind === "sp-missing" ||
        (oc?.kind === "role-missing" && oc.principalId === undefined) ||
        (oc?.kind === "no-valid-secret" && oc.credentials === 0)
      );
    case "sp-missing":
      return oc?.kind === "role-missing" && oc.principalId === undefined;
    default:
      return false;
  }
}

function ago(sinceIso: string, at: Date | undefined): string {
  if (!at) return `since ${sinceIso}`;
  return `${formatDuration(Math.max(0, (at.getTime() - Date.parse(sinceIso)) / 60_000))} ago`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** When the events stopped: the last event freshness saw, else the diagnosis' start of the silence. */
function silenceSince(symptoms: readonly Finding[]): string | undefined {
  const fresh = symptoms.find((f) => f.check === "ingestion.freshness");
  const diag = symptoms.find((f) => f.check === "ingestion.diagnosis");
  return str(fresh?.evidence?.["lastEvent"]) ?? str(diag?.evidence?.["since"]);
}

function explainedBy(diag: Finding | undefined): Array<{ check: string; resource?: string }> {
  const v = diag?.status === "problem" ? diag.evidence?.["explainedBy"] : undefined;
  if (!Array.isArray(v)) return [];
  return v.flatMap((e: unknown) => {
    const check = str((e as { check?: unknown } | null)?.check);
    const resource = str((e as { resource?: unknown } | null)?.resource);
    return check ? [resource ? { check, resource } : { check }] : [];
  });
}

/** The unknowns errors.ts words as a sign-in failure: no token, a refused token, an AADSTS error. */
const NOT_SIGNED_IN = /could not get a token to |refused the monitor's token|\bAADSTS\d{5,}|CredentialUnavailable/;
/** A 403 as errors.ts words it, and the permission its remediation asks for. */
const FORBIDDEN = /the monitor's identity may not .*\(403\b/;
const GRANT = /^Grant the monitor's identity (.+?) on (\S+?)\.?$/;

function roleOf(f: Finding): { role: string; scope: string } | undefined {
  if (!FORBIDDEN.test(f.summary)) return undefined;
  const m = GRANT.exec(f.remediation ?? "");
  if (!m) return undefined;
  return { role: m[1]!.replace(/\s*\(.*\)$/, ""), scope: m[2]! };
}

function grantCommand(role: string, scopes: readonly string[], principalId: string | undefined): string {
  const pid = principalId ?? MONITOR_PRINCIPAL_PLACEHOLDER;
  const arm = scopes.filter((s) => s.startsWith("/subscriptions/"));
  const create = (scope: string) =>
    `az role assignment create --assignee-object-id ${pid} --assignee-principal-type ServicePrincipal --role "${role}" --scope ${scope}`;
  const cmd =
    arm.length === 0
      ? `Grant the monitor's identity ${role} on ${scopes.join(", ")}`
      : arm.length === 1
        ? create(arm[0]!)
        : `for scope in ${arm.join(" ")}; do ${create('"$scope"')}; done`;
  return principalId ? cmd : `${cmd} (${FIND_PRINCIPAL})`;
}

function worstSeverity(findings: readonly Finding[]): Severity {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])[0]?.severity ?? "info";
}

function make(
  id: string,
  findings: Finding[],
  title: string,
  fix: string | undefined,
  since: string | undefined,
): IncidentGroup {
  const checks = [...new Set(findings.map((f) => f.check))];
  return {
    incident: {
      id,
      status: findings.some((f) => f.status === "problem") ? "problem" : "unknown",
      severity: worstSeverity(
        findings.filter((f) => f.status === "problem").length
          ? findings.filter((f) => f.status === "problem")
          : findings,
      ),
      title,
      ...(since ? { since } : {}),
      checks,
      ...(fix ? { fix } : {}),
    },
    findings,
  };
}

/**
 * The incidents of a run's findings with the findings each carries. The cause a drift check found
 * (role removed, secret expired, DCR deleted) carries the ingestion findings it explains (events
 * stopped, the diagnosis); unknowns sharing one reason (not signed in, one missing role) are one.
 */
export function groupFindings(findings: readonly Finding[], options: GroupOptions = {}): IncidentGroup[] {
  const open = findings.filter((f) => f.status !== "ok");
  const causes = open.filter((f): f is Finding & { cause: Cause } => f.status === "problem" && f.cause !== undefined);
  const taken = new Set<Finding>();
  const drift = new Map<Finding & { cause: Cause }, Finding[]>();
  for (const root of causes) {
    if (causes.some((r) => r !== root && absorbs(r, root))) continue;
    drift.set(root, [root]);
  }
  for (const f of open) {
    if ([...drift.keys()].some((r) => r === f)) continue;
    const root = [...drift.keys()].find((r) => absorbs(r, f));
    if (root && !SYMPTOMS.includes(f.check)) drift.get(root)!.push(f);
  }
  for (const members of drift.values()) for (const f of members) taken.add(f);

  const groups: IncidentGroup[] = [];
  const diag = open.find((f) => f.check === "ingestion.diagnosis");
  const fresh = open.find((f) => f.check === "ingestion.freshness" && f.status === "problem");
  const symptoms =
    fresh || diag?.status === "problem"
      ? SYMPTOMS.flatMap((c) =>
          open.filter((f) => f.check === c && !taken.has(f) && lc(f.resource) === lc((diag ?? fresh)?.resource)),
        )
      : [];
  for (const f of symptoms) taken.add(f);
  const since = silenceSince(symptoms);
  const stopped = since ? `Keeper events stopped ${ago(since, options.at)}` : "Keeper events stopped";
  const causeId = str(diag?.status === "problem" ? diag.evidence?.["cause"] : undefined);
  const words = (causeId && CAUSE_WORDS[causeId]) ?? "no evidence points at a cause yet";

  // The drift finding the diagnosis rests on: present in this run, or named by the diagnosis.
  const named = explainedBy(diag);
  const rootOfSymptoms =
    symptoms.length === 0
      ? undefined
      : [...drift.entries()].find(([, members]) =>
          members.some((m) => named.some((n) => n.check === m.check && lc(n.resource) === lc(m.resource))),
        )?.[0];

  for (const [root, members] of drift) {
    if (root === rootOfSymptoms) {
      groups.push(make(findingId(root), [...members, ...symptoms], `${stopped}: ${words}`, root.remediation, since));
      continue;
    }
    const lastExpired = root.cause.kind === "no-valid-secret" ? root.cause.lastExpiredOn : undefined;
    groups.push(make(findingId(root), members, root.summary, root.remediation, lastExpired));
  }
  if (symptoms.length > 0 && rootOfSymptoms === undefined) {
    // Only the ingestion run's findings: the id is the drift finding the diagnosis names, so the
    // drift run's incident of the same cause is this one.
    const first = named[0];
    const id = first ? findingId(first) : findingId(fresh ?? symptoms[0]!);
    const fix = diag?.remediation ?? symptoms[0]!.remediation;
    groups.push(make(id, symptoms, `${stopped}: ${words}`, fix, since));
  }

  const rest = open.filter((f) => !taken.has(f));
  const signIn = rest.filter((f) => f.status === "unknown" && NOT_SIGNED_IN.test(f.summary));
  if (signIn.length > 0) {
    for (const f of signIn) taken.add(f);
    groups.push(
      make(
        "unknown:not-signed-in",
        signIn,
        `Not signed in: ${signIn.length} check${signIn.length === 1 ? "" : "s"} could not tell (run \`az login\`)`,
        "Not signed in: run `az login` (in the Function App: check its managed identity, or AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET).",
        undefined,
      ),
    );
  }
  const byRole = new Map<string, Array<{ f: Finding; scope: string }>>();
  for (const f of rest) {
    const r = f.status === "unknown" && !taken.has(f) ? roleOf(f) : undefined;
    if (!r) continue;
    byRole.set(r.role, [...(byRole.get(r.role) ?? []), { f, scope: r.scope }]);
  }
  for (const [role, items] of byRole) {
    for (const { f } of items) taken.add(f);
    const scopes = [...new Set(items.map((i) => i.scope))].sort();
    const n = scopes.length;
    groups.push(
      make(
        `unknown:forbidden:${role}`,
        items.map((i) => i.f),
        `The monitor lacks ${role} on ${n} resource${n === 1 ? "" : "s"}: ${items.length} check${items.length === 1 ? "" : "s"} could not tell`,
        grantCommand(role, scopes, options.monitorPrincipalId),
        undefined,
      ),
    );
  }
  for (const f of open) if (!taken.has(f)) groups.push(make(findingId(f), [f], f.summary, f.remediation, undefined));

  return groups.sort(
    ({ incident: a }, { incident: b }) =>
      Number(a.status === "unknown") - Number(b.status === "unknown") ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      compareText(a.id, b.id),
  );
}

/** The incidents of a run's findings, problems first (see groupFindings). */
export function groupIncidents(findings: readonly Finding[], options: GroupOptions = {}): Incident[] {
  return groupFindings(findings, options).map((g) => g.incident);
}

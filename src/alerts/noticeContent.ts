import type { Severity } from "../core/finding.js";
import type { Notice } from "../core/notifier.js";
import { incidentKey, type AlertRecord, type PolicySettings } from "./alertRecord.js";
import { evidenceFacts, when } from "../report/evidence.js";
import { redact } from "../core/redact.js";
import { isGuid } from "../core/ids.js";

/** What is wrong, in words people use, for the title and subject (fallback: the check id). */
const WHAT: Record<string, string> = {
  "alerts.channel": "alert channel degraded",
  "app.exists": "app registration missing",
  "app.servicePrincipal": "service principal missing or disabled",
  "dce.endpoint": "DCE endpoint changed",
  "dce.exists": "DCE missing",
  "dcr.dataFlow": "DCR data flow changed",
  "dcr.exists": "DCR missing",
  "dcr.immutableId": "DCR immutable id changed",
  "dcr.stream": "DCR stream changed",
  "ingestion.freshness": "Keeper events stopped",
  "ingestion.latency": "Keeper events delayed",
  "role.assignment": "role assignment missing",
  "secret.expiry": "client secret expiring",
  "secret.vault": "Key Vault secret out of date",
  "table.exists": "table missing",
  "table.schema": "table schema changed",
  "workspace.exists": "workspace missing",
};

export function describeCheck(check: string): string {
  return WHAT[check] ?? `${check} failing`;
}

/** The last segment of an ARM id or URL, the name people recognise; the value itself otherwise. */
export function resourceName(resource: string): string {
  if (resource === "") return "the connector";
  if (isGuid(resource)) return `app ${resource}`;
  const trimmed = resource.replace(/\/+$/, "");
  const last = trimmed.split("/").pop() ?? trimmed;
  return last || resource;
}

/** Buttons to the resource in the Azure portal (ARM ids) or to the app registration (app ids). */
export function portalLinks(resource: string, portalUrl: string, tenantId: string): Notice["links"] {
  if (/^\/subscriptions\//i.test(resource))
    return [
      {
        title: `Open ${resourceName(resource)} in the Azure portal`,
        url: `${portalUrl}/#@${tenantId}/resource${resource}`,
      },
    ];
  if (isGuid(resource))
    return [
      {
        title: "Open the app registration",
        url: `${portalUrl}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${resource}`,
      },
    ];
  return [];
}

const KIND_WORD: Record<Notice["kind"], string> = {
  opened: "",
  reminder: "Still open: ",
  escalated: "Now worse: ",
  resolved: "",
  digest: "",
  handoff: "",
  channel: "",
};

export function titleFor(kind: Notice["kind"], severity: Severity, check: string, resource: string): string {
  const sev = kind === "resolved" ? "RESOLVED" : severity.toUpperCase();
  const what = describeCheck(check);
  return `${sev}: ${KIND_WORD[kind]}${what} on ${resourceName(resource)}`;
}

/** The incident's own title when it carries several findings or a shared reason; else the check's words. */
export function groupedTitle(r: Pick<AlertRecord, "incident">): string | undefined {
  const i = r.incident;
  return i && (i.checks.length > 1 || i.id.startsWith("unknown:")) ? i.title : undefined;
}

/** One notice about one alert record (one incident): pure, deterministic key, nothing secret. */
export function noticeFor(
  kind: "opened" | "reminder" | "escalated" | "resolved",
  r: AlertRecord,
  settings: PolicySettings,
  now: Date,
  suffix: string,
): Notice {
  const f = r.finding;
  // Key facts first (a card shows the first few, the rest behind "Details"): when the incident
  // opened, then the evidence in words, then where. "Open since" is the incident's start; the
  // evidence's own times say what they are ("Last event").
  const facts: Notice["facts"] = [{ name: "Open since", value: when(r.since ?? now.toISOString()) }];
  if (kind === "resolved") facts.push({ name: "Resolved at", value: when(now.toISOString()) });
  if (f && kind !== "resolved") facts.push(...evidenceFacts(f.evidence));
  facts.push(
    { name: "Status", value: kind === "resolved" ? "ok" : `problem (${r.severity})` },
    { name: "Check", value: r.check },
    { name: "Resource", value: r.resource || "(connector)" },
  );
  const grouped = groupedTitle(r);
  if (grouped && r.incident) facts.splice(1, 0, { name: "Checks", value: r.incident.checks.join(", ") });
  const summary =
    kind === "resolved"
      ? `${grouped ? r.incident!.checks.join(", ") + (r.incident!.checks.length > 1 ? " are" : " is") : `${r.check} is`} ok again (${settings.resolveAfter} consecutive ok runs).`
      : redact(f?.summary ?? `${r.check} has a problem.`);
  const fix = grouped ? (r.incident?.fix ?? f?.remediation) : f?.remediation;
  return {
    key: `${incidentKey(r)}|${suffix}`,
    kind,
    severity: kind === "resolved" ? "info" : r.severity,
    title: grouped
      ? `${kind === "resolved" ? "RESOLVED" : r.severity.toUpperCase()}: ${KIND_WORD[kind]}${grouped}`
      : titleFor(kind, r.severity, r.check, r.resource),
    summary,
    facts,
    ...(fix && kind !== "resolved" ? { remediation: redact(fix) } : {}),
    links: portalLinks(r.resource, settings.portalUrl, settings.tenantId),
    at: now.toISOString(),
  };
}

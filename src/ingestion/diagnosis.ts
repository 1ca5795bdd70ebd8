import { ok, problem, unknown, type Finding } from "../core/finding.js";
import type { Observation } from "../core/observation.js";
import type { Cause, CauseKind } from "../core/cause.js";
import { compareText } from "../core/compareText.js";

export const DIAGNOSIS_CHECK = "ingestion.diagnosis";

/** Calls the DCR received since the last event, by HTTP response code (DCR metric ApiCallReceived_Count). */
export interface CallCounts {
  byCode: Record<string, number>;
  total: number;
}
/** Keeper app sign-ins since the last event (AADServicePrincipalSignInLogs), grouped. */
export interface SignInGroup {
  /** "0" is success; AADSTS codes otherwise (7000222 expired secret, 7000215 wrong secret, 7000112 disabled). */
  resultType: string;
  keyId?: string;
  count: number;
  last: number;
}
export interface LogErrorGroup {
  operation: string;
  count: number;
  last: number;
  message?: string;
}
export interface CapEvent {
  count: number;
  last: number;
  detail?: string;
}

/** Everything the diagnosis weighs. `missing` means the source (a table) does not exist. */
export interface DiagnosisEvidence {
  /** Start of the silence (the last event), epoch ms. */
  since: number;
  drift: Observation<Finding[]>;
  calls: Observation<CallCounts>;
  signIns: Observation<SignInGroup[]>;
  dcrErrors: Observation<LogErrorGroup[]>;
  dailyCap: Observation<CapEvent[]>;
}

export type CauseId =
  | "secret-expired"
  | "secret-wrong"
  | "app-missing"
  | "sp-disabled"
  | "role-missing"
  | "dcr-missing"
  | "dcr-changed"
  | "dce-changed"
  | "table-changed"
  | "workspace-missing"
  | "daily-cap"
  | "throttled"
  | "keeper-stopped";

export interface RankedCause {
  cause: CauseId;
  /** Sum of the weights of the evidence that supports it. */
  score: number;
  title: string;
  evidence: string[];
  fix: string;
}

const TITLES: Record<CauseId, { title: string; fix: string }> = {
  "secret-expired": {
    title: "The Keeper app's client secret expired: Keeper cannot get a token",
    fix: "Create a new client secret (Entra admin center → App registrations → the Keeper app → Certificates & secrets, or let the monitor's rotation do it) and paste it into the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs → Client Secret).",
  },
  "secret-wrong": {
    title: "Keeper signs in with a wrong or removed client secret",
    fix: "Paste the current client secret (Key Vault holds it) into the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs → Client Secret); a secret removed from the app cannot be restored.",
  },
  "app-missing": {
    title: "The Keeper app registration or its service principal is gone",
    fix: "Restore the app (Entra admin center → App registrations → Deleted applications) or create its service principal (az ad sp create --id <appId>), then re-assign Monitoring Metrics Publisher on the DCR.",
  },
  "sp-disabled": {
    title: "The Keeper app's service principal is disabled",
    fix: "az ad sp update --id <appId> --set accountEnabled=true (Enterprise applications → the Keeper app → Properties → Enabled for users to sign-in).",
  },
  "role-missing": {
    title: "Keeper's Monitoring Metrics Publisher role on the DCR is gone: pushes get 403",
    fix: "az role assignment create --assignee <Keeper app's service principal> --role 'Monitoring Metrics Publisher' --scope <DCR resource id> (takes up to 30 minutes to apply).",
  },
  "dcr-missing": {
    title: "The data collection rule was deleted",
    fix: "Redeploy the Keeper Security data connector (Sentinel → Content hub → Keeper Security) or recreate the DCR, then update Keeper's Endpoint URL and re-assign the role.",
  },
  "dcr-changed": {
    title: "The DCR (stream, transform, immutable id) was changed: pushes are refused or rows dropped",
    fix: "Restore the DCR's stream declaration, transform and output stream (see the dcr.* findings), or give Keeper the new Endpoint URL; DCRLogErrors and the DCR metrics RowsDropped_Count show what is refused.",
  },
  "dce-changed": {
    title: "The data collection endpoint was deleted or re-created: Keeper posts to a dead host",
    fix: "Give Keeper the Endpoint URL built from the current DCE (see dce.endpoint) in the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs → Endpoint URL).",
  },
  "table-changed": {
    title: "The Keeper table was deleted or its schema changed",
    fix: "Recreate the table / restore its columns (see table.* findings) so the DCR's output lands.",
  },
  "workspace-missing": {
    title: "The Sentinel workspace is gone",
    fix: "Recover the workspace (az monitor log-analytics workspace recover) within 14 days of deletion.",
  },
  "daily-cap": {
    title: "The workspace reached its daily cap: ingestion is stopped until the cap resets",
    fix: "Raise or remove the daily cap (Log Analytics workspace → Usage and estimated costs → Daily cap) or wait for the reset; events pushed meanwhile are lost.",
  },
  throttled: {
    title: "Keeper's pushes are throttled (429)",
    fix: "Keeper retries throttled pushes; if it persists, check Logs Ingestion API limits for the DCR/DCE and whether something else floods the same DCE.",
  },
  "keeper-stopped": {
    title: "Keeper stopped sending: no push reached the DCR and no sign-in failed",
    fix: "In the Keeper Admin Console go to Reporting & Alerts → Azure Monitor Logs: check the integration is still enabled, the Endpoint URL, Tenant ID and Client ID are those in this report, and use 'Test connection'; Keeper's status page shows outages on its side.",
  },
};

/** The cause each broken piece points at: several pieces can stop Keeper's events the same way. */
const CAUSE_OF: Record<CauseKind, CauseId> = {
  "workspace-missing": "workspace-missing",
  "table-missing": "table-changed",
  "table-schema-changed": "table-changed",
  "dcr-missing": "dcr-missing",
  "dcr-recreated": "dcr-changed",
  "dcr-stream-changed": "dcr-changed",
  "dcr-flow-missing": "dcr-changed",
  "dcr-flow-changed": "dcr-changed",
  "transform-tampered": "dcr-changed",
  "dce-missing": "dce-changed",
  "dce-endpoint-changed": "dce-changed",
  "role-missing": "role-missing",
  "app-missing": "app-missing",
  "sp-missing": "app-missing",
  "sp-disabled": "sp-disabled",
  "no-valid-secret": "secret-expired",
};

/**
 * How much one piece of evidence counts for its cause; a cause's score is the sum. Direct
 * observations of Keeper's own failing calls weigh more than a broken piece found by the drift
 * checks, which weighs more than circumstance (no call at all).
 */
const EVIDENCE_WEIGHT = {
  /** _LogOperation says the daily cap stopped ingestion: nothing lands, whatever else is broken. */
  dailyCapReached: 6,
  /** At least half of Keeper's pushes got 429: throttling is what Keeper meets. */
  mostlyThrottled: 5,
  /** Entra refused Keeper's sign-in with a known AADSTS code: it says why Keeper has no token. */
  signInRefused: 4,
  /** Pushes got 403: the DCR refuses Keeper's identity, and only the role lets it in. */
  pushForbidden: 4,
  /** Pushes got 400/413: the DCR refuses the payload, so its stream or schema no longer fits it. */
  payloadRefused: 4,
  /** A drift check found the piece broken: surely broken, not surely why the events stopped. */
  brokenPiece: 3,
  /** Pushes got 404: the DCR's immutable id or stream is gone, though a wrong URL reads the same. */
  pushNotFound: 3,
  /** DCRLogErrors holds errors: the DCR refused rows, not necessarily for a change to it. */
  dcrLogErrors: 3,
  /** No push, no failed sign-in, nothing broken: Keeper is not sending. */
  keeperSilent: 3,
  /** The same with sign-ins unseen: an expired or wrong secret would look alike, so it counts less. */
  keeperSilentSignInsUnseen: 2,
  /** Fewer than half of the pushes got 429: Keeper retries them, so it explains a silence only in part. */
  someThrottled: 2,
  /** No call reached the DCR: fits a cause that leaves Keeper without a token or an endpoint. */
  noCallCorroborates: 1,
} as const;

/** Causes that leave Keeper with no token or no live endpoint, so no call reaches the DCR. */
const NO_CALL_CAUSES = ["secret-expired", "secret-wrong", "app-missing", "sp-disabled", "dce-changed"] as const;

/** AADSTS codes of Keeper's failed sign-ins and what they mean. */
const SIGNIN_CAUSES: Record<string, CauseId> = {
  "7000222": "secret-expired",
  "7000215": "secret-wrong",
  "7000112": "sp-disabled",
  "700016": "app-missing",
};

/**
 * Ranks the likely causes of a silence, most likely first. Direct observations of Keeper's failing
 * calls (sign-in errors, refused pushes, the daily cap) weigh more than a broken piece found by the
 * drift checks, which weighs more than circumstantial evidence (no calls at all).
 */
export function diagnose(ev: DiagnosisEvidence): RankedCause[] {
  const found = new Map<CauseId, { score: number; evidence: string[] }>();
  const add = (cause: CauseId, score: number, why: string) => {
    const c = found.get(cause) ?? { score: 0, evidence: [] };
    c.score += score;
    c.evidence.push(why);
    found.set(cause, c);
  };
  const sinceIso = new Date(ev.since).toISOString();

  // Only the typed cause a drift check attached counts; its summary is shown, never read.
  let driftProblems = 0;
  if (ev.drift.kind === "found")
    for (const f of ev.drift.value) {
      if (f.status !== "problem" || f.cause === undefined) continue;
      add(CAUSE_OF[f.cause.kind], EVIDENCE_WEIGHT.brokenPiece, `${f.check}: ${f.summary}`);
      driftProblems++;
    }

  let failedSignIns = 0;
  if (ev.signIns.kind === "found") {
    for (const g of ev.signIns.value) {
      if (g.resultType === "0") continue;
      failedSignIns += g.count;
      const cause = SIGNIN_CAUSES[g.resultType];
      const what = `${g.count} failed sign-in(s) of the Keeper app with AADSTS${g.resultType} since ${sinceIso} (last ${new Date(g.last).toISOString()}${g.keyId ? `, credential ${g.keyId}` : ""})`;
      if (cause) add(cause, EVIDENCE_WEIGHT.signInRefused, what);
    }
  }

  const calls = ev.calls.kind === "found" ? ev.calls.value : undefined;
  const code = (c: string) => calls?.byCode[c] ?? 0;
  if (calls) {
    const fmt = Object.entries(calls.byCode)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ");
    const seen = `the DCR received ${calls.total} push(es) since ${sinceIso}${fmt ? ` (${fmt})` : ""}`;
    if (code("403") > 0)
      add(
        "role-missing",
        EVIDENCE_WEIGHT.pushForbidden,
        `${seen}: 403 means the app lacks Monitoring Metrics Publisher`,
      );
    if (code("400") + code("413") > 0)
      add("dcr-changed", EVIDENCE_WEIGHT.payloadRefused, `${seen}: 400/413 means the payload or schema is refused`);
    if (code("404") > 0)
      add(
        "dcr-changed",
        EVIDENCE_WEIGHT.pushNotFound,
        `${seen}: 404 means the DCR immutable id or stream Keeper uses is gone`,
      );
    if (code("429") > 0)
      add(
        "throttled",
        code("429") >= calls.total / 2 ? EVIDENCE_WEIGHT.mostlyThrottled : EVIDENCE_WEIGHT.someThrottled,
        `${seen}: 429 means throttled`,
      );
    if (calls.total === 0) {
      // No call at all: Keeper is not sending, or cannot get a token, or posts to a dead endpoint.
      for (const c of NO_CALL_CAUSES)
        if (found.has(c))
          add(
            c,
            EVIDENCE_WEIGHT.noCallCorroborates,
            `${seen}: consistent with Keeper getting no token or reaching no endpoint`,
          );
    }
  }

  if (ev.dcrErrors.kind === "found" && ev.dcrErrors.value.length > 0) {
    const n = ev.dcrErrors.value.reduce((s, g) => s + g.count, 0);
    const sample = ev.dcrErrors.value.find((g) => g.message)?.message;
    add(
      "dcr-changed",
      EVIDENCE_WEIGHT.dcrLogErrors,
      `DCRLogErrors holds ${n} error(s) since ${sinceIso}${sample ? `: "${sample.slice(0, 160)}"` : ""}`,
    );
  }

  if (ev.dailyCap.kind === "found" && ev.dailyCap.value.length > 0) {
    const last = Math.max(...ev.dailyCap.value.map((c) => c.last));
    add(
      "daily-cap",
      EVIDENCE_WEIGHT.dailyCapReached,
      `_LogOperation reports the daily cap reached (OverQuota) at ${new Date(last).toISOString()}`,
    );
  }

  // Keeper stopped: nothing reached the DCR, nothing failed to sign in, nothing is broken.
  if (calls && calls.total === 0 && failedSignIns === 0 && driftProblems === 0 && !found.has("daily-cap")) {
    const signInNote =
      ev.signIns.kind === "found"
        ? "no failed sign-in of the Keeper app"
        : ev.signIns.kind === "missing"
          ? "sign-ins not visible (AADServicePrincipalSignInLogs is not in the workspace)"
          : "sign-ins could not be read";
    add(
      "keeper-stopped",
      ev.signIns.kind === "found" ? EVIDENCE_WEIGHT.keeperSilent : EVIDENCE_WEIGHT.keeperSilentSignInsUnseen,
      `no push reached the DCR since ${sinceIso}, ${signInNote}, and every piece of the connector is healthy`,
    );
  }

  return [...found.entries()]
    .map(([cause, c]) => ({ cause, score: c.score, evidence: c.evidence, ...TITLES[cause] }))
    .sort((a, b) => b.score - a.score || compareText(a.cause, b.cause));
}

function sourceNotes(ev: DiagnosisEvidence): string[] {
  const notes: string[] = [];
  const say = (name: string, o: Observation<unknown>, missingText: string) => {
    if (o.kind === "missing") notes.push(`${name}: ${missingText}`);
    else if (o.kind === "unknown") notes.push(`${name}: could not be read (${o.reason})`);
  };
  say(
    "sign-ins",
    ev.signIns,
    "AADServicePrincipalSignInLogs is not in the workspace, so expired or wrong secrets cannot be seen; enable it: Entra admin center → Monitoring → Diagnostic settings → add a setting with ServicePrincipalSignInLogs → Send to the Sentinel Log Analytics workspace",
  );
  say("DCR metrics", ev.calls, "not available");
  say(
    "DCRLogErrors",
    ev.dcrErrors,
    "not collected (DCR → Diagnostic settings → Log Errors → the workspace turns it on)",
  );
  say("drift checks", ev.drift, "not available");
  return notes;
}

/** A drift finding the top cause rests on: its check and resource name the incident it belongs to. */
export interface ExplainedBy {
  check: string;
  resource?: string;
}

/** The drift problems that point at `cause`, in check order. */
function driftOf(ev: DiagnosisEvidence, cause: CauseId): Array<Finding & { cause: Cause }> {
  if (ev.drift.kind !== "found") return [];
  return ev.drift.value
    .filter((f): f is Finding & { cause: Cause } => f.status === "problem" && f.cause !== undefined)
    .filter((f) => CAUSE_OF[f.cause.kind] === cause)
    .sort((a, b) => compareText(a.check, b.check) || compareText(a.resource ?? "", b.resource ?? ""));
}

/**
 * The cause's fix with the real ids its drift findings carry (the Keeper app's service principal,
 * the DCR, the app id) in place of the placeholders, so it can be pasted as it is.
 */
export function pasteableFix(cause: CauseId, drift: ReadonlyArray<{ cause: Cause }>): string {
  const fix = TITLES[cause].fix;
  for (const { cause: c } of drift) {
    if (cause === "role-missing" && c.kind === "role-missing" && c.principalId)
      return `az role assignment create --assignee-object-id ${c.principalId} --assignee-principal-type ServicePrincipal --role "Monitoring Metrics Publisher" --scope ${c.scope} (takes up to 30 minutes to apply).`;
    if ((cause === "app-missing" || cause === "sp-disabled") && "appId" in c) return fix.replaceAll("<appId>", c.appId);
  }
  return fix;
}

/** The ingestion.diagnosis finding: ranked causes, each with evidence and fix. */
export function diagnosisFinding(ev: DiagnosisEvidence, resource: string): Finding {
  const causes = diagnose(ev).map((c) => ({ ...c, fix: pasteableFix(c.cause, driftOf(ev, c.cause)) }));
  const sources = sourceNotes(ev);
  const top = causes[0];
  if (!top)
    return unknown(
      DIAGNOSIS_CHECK,
      "Keeper events stopped and no evidence points at a cause: the DCR metrics or the other sources could not be read.",
      { resource, evidence: { causes: [], sources }, remediation: TITLES["keeper-stopped"].fix },
    );
  return problem(DIAGNOSIS_CHECK, "critical", `Most likely cause: ${top.title} (${top.evidence[0] ?? ""}).`, {
    resource,
    evidence: {
      cause: top.cause,
      causes,
      sources,
      since: new Date(ev.since).toISOString(),
      explainedBy: driftOf(ev, top.cause).map((f): ExplainedBy =>
        f.resource === undefined ? { check: f.check } : { check: f.check, resource: f.resource },
      ),
    },
    remediation: top.fix,
  });
}

/** When freshness is fine there is nothing to diagnose: an ok finding keeps the catalog complete. */
export function diagnosisNotNeeded(resource: string): Finding {
  return ok(DIAGNOSIS_CHECK, "Not needed: Keeper events are arriving.", { resource });
}

import { describe, expect, it } from "vitest";
import { problem } from "../../src/core/finding.js";
import type { Observed } from "../../src/checks/expected.js";
import { found, missing, notKnown, type Observation } from "../../src/core/observation.js";
import {
  diagnose,
  diagnosisFinding,
  type CauseId,
  type DiagnosisEvidence,
  type SignInGroup,
} from "../../src/ingestion/diagnosis.js";
import { DCE_ID, DCR_ID, RG, SP_OID, calls, days, drift, expected } from "../checks/fixtures.js";

const SINCE = days(-0.5).getTime();
const STREAM = "Custom-KeeperSecurityEventNewLogs";

const dcrOf = (o: Observed) => {
  if (o.dcr.kind !== "found") throw new Error("dcr");
  return o.dcr.value;
};

const signIns = (...groups: Array<[resultType: string, count: number]>): Observation<SignInGroup[]> =>
  found(groups.map(([resultType, count]) => ({ resultType, count, last: SINCE + 60_000 })));

/** Healthy signals: nothing reached the DCR, Keeper signs in fine, no DCR errors, no cap. */
function evidence(over: Partial<DiagnosisEvidence> = {}): DiagnosisEvidence {
  return {
    since: SINCE,
    drift: found(drift()),
    calls: calls({}),
    signIns: signIns(["0", 3]),
    dcrErrors: found([]),
    dailyCap: found([]),
    ...over,
  };
}

const ranking = (ev: DiagnosisEvidence) => diagnose(ev).map((c) => `${c.cause}:${c.score}`);

type Row = [name: string, ev: DiagnosisEvidence, ranked: string[], title: RegExp, fix: RegExp];

const ROWS: Row[] = [
  [
    "secret expired: every credential past its end, sign-ins fail with AADSTS7000222, and the DCE URI changed too",
    evidence({
      drift: found(
        drift((o) => {
          if (o.app.kind === "found")
            o.app.value.passwordCredentials = o.app.value.passwordCredentials.map((c) => ({
              ...c,
              endDateTime: days(-1),
            }));
          if (o.dce?.kind === "found")
            o.dce.value.logsIngestionEndpoint = "https://other.eastus-1.ingest.monitor.azure.com";
        }),
      ),
      signIns: signIns(["7000222", 12]),
    }),
    // drift 3 + sign-ins 4 + no call 1, ahead of the DCE change (drift 3 + no call 1)
    ["secret-expired:8", "dce-changed:4"],
    /client secret expired/,
    /Create a new client secret.*Keeper Admin Console.*Client Secret/,
  ],
  [
    "secret wrong: sign-ins fail with AADSTS7000215, every piece healthy, a few pushes throttled earlier",
    evidence({ signIns: signIns(["7000215", 5]), calls: calls({ "429": 1, "204": 3 }) }),
    ["secret-wrong:4", "throttled:2"],
    /wrong or removed client secret/,
    /Paste the current client secret \(Key Vault holds it\)/,
  ],
  [
    "app missing: the registration is gone, so no secret either; sign-ins fail with AADSTS700016",
    evidence({ drift: found(drift((o) => (o.app = missing()))), signIns: signIns(["700016", 4]) }),
    ["app-missing:8", "secret-expired:4"],
    /app registration or its service principal is gone/,
    /Deleted applications.*az ad sp create/,
  ],
  [
    "service principal missing: counts for the app, and the role it held is gone with it",
    evidence({ drift: found(drift((o) => (o.servicePrincipal = missing()))) }),
    ["app-missing:4", "role-missing:3"],
    /service principal is gone/,
    /az ad sp create --id <appId>/,
  ],
  [
    "service principal disabled, sign-ins fail with AADSTS7000112",
    evidence({
      drift: found(
        drift((o) => o.servicePrincipal.kind === "found" && (o.servicePrincipal.value.accountEnabled = false)),
      ),
      signIns: signIns(["7000112", 2]),
    }),
    ["sp-disabled:8"],
    /service principal is disabled/,
    /accountEnabled=true/,
  ],
  [
    "role missing: no role on the DCR and every push gets 403; one throttled push besides",
    evidence({ drift: found(drift((o) => (o.roleAssignments = found([])))), calls: calls({ "403": 20, "429": 1 }) }),
    ["role-missing:7", "throttled:2"],
    /Monitoring Metrics Publisher role on the DCR is gone/,
    /az role assignment create .*--role 'Monitoring Metrics Publisher' --scope <DCR resource id>/,
  ],
  [
    "role missing, seen only in the pushes (403), while the role check could not tell",
    evidence({
      drift: found(drift((o) => (o.roleAssignments = notKnown("403 on role assignments")))),
      calls: calls({ "403": 6 }),
    }),
    ["role-missing:4"],
    /pushes get 403/,
    /Monitoring Metrics Publisher/,
  ],
  [
    "DCR missing: the role on it is gone too (a tie, broken by name)",
    evidence({ drift: found(drift((o) => (o.dcr = missing()))), calls: notKnown("the DCR does not exist") }),
    ["dcr-missing:3", "role-missing:3"],
    /data collection rule was deleted/,
    /Redeploy the Keeper Security data connector/,
  ],
  [
    "DCR changed: stream removed, pushes get 400, DCRLogErrors holds the refusals",
    evidence({
      drift: found(drift((o) => (dcrOf(o).streamDeclarations = {}))),
      calls: calls({ "400": 30 }),
      dcrErrors: found([{ operation: "Ingestion", count: 30, last: SINCE + 60_000, message: "InvalidStream" }]),
    }),
    // dcr.stream 3 + 400s 4 + DCRLogErrors 3
    ["dcr-changed:10"],
    /The DCR \(stream, transform, immutable id\) was changed/,
    /Restore the DCR's stream declaration, transform and output stream/,
  ],
  [
    "DCR changed: the transform drops Keeper's logins, pushes are accepted (204)",
    evidence({
      drift: found(
        drift(
          (o) =>
            (dcrOf(o).dataFlows[0]!.transformKql =
              `${dcrOf(o).dataFlows[0]!.transformKql} | where Category != "login"`),
        ),
      ),
      calls: calls({ "204": 12 }),
    }),
    ["dcr-changed:3"],
    /was changed/,
    /RowsDropped_Count/,
  ],
  [
    "DCR changed: re-created (new immutable id), Keeper's pushes to the old one get 404",
    evidence({
      drift: found(drift((o) => (dcrOf(o).immutableId = "dcr-ffffffffffffffffffffffffffffffff"))),
      calls: calls({ "404": 9 }),
    }),
    ["dcr-changed:6"],
    /immutable id\) was changed/,
    /give Keeper the new Endpoint URL/,
  ],
  [
    "DCE changed: its logs-ingestion URI moved, nothing reaches the DCR",
    evidence({
      drift: found(
        drift(
          (o) =>
            o.dce?.kind === "found" &&
            (o.dce.value.logsIngestionEndpoint = "https://law-sentinel-zzzz.eastus-1.ingest.monitor.azure.com"),
        ),
      ),
    }),
    ["dce-changed:4"],
    /Keeper posts to a dead host/,
    /Endpoint URL built from the current DCE/,
  ],
  [
    "DCE deleted, while Keeper's sign-ins cannot be read",
    evidence({ drift: found(drift((o) => (o.dce = missing()))), signIns: missing() }),
    ["dce-changed:4"],
    /data collection endpoint was deleted or re-created/,
    /Reporting & Alerts → Azure Monitor Logs → Endpoint URL/,
  ],
  [
    "table changed: the Keeper table is gone, pushes are accepted",
    evidence({ drift: found(drift((o) => (o.table = missing()))), calls: calls({ "204": 8 }) }),
    ["table-changed:3"],
    /Keeper table was deleted or its schema changed/,
    /Recreate the table/,
  ],
  [
    "table changed: a Keeper column was removed (the transform's output no longer lands either)",
    evidence({
      drift: found(
        drift(
          (o) =>
            o.table.kind === "found" &&
            (o.table.value.columns = o.table.value.columns.filter((c) => c.name !== "Username")),
        ),
      ),
      calls: calls({ "204": 8 }),
    }),
    ["dcr-changed:3", "table-changed:3"],
    /The DCR/,
    /Restore the DCR's stream declaration/,
  ],
  [
    "workspace missing, its table unreadable",
    evidence({
      drift: found(
        drift((o) => {
          o.workspace = missing();
          o.table = notKnown("the workspace does not exist");
        }),
      ),
      calls: calls({ "204": 2 }),
    }),
    ["workspace-missing:3"],
    /Sentinel workspace is gone/,
    /az monitor log-analytics workspace recover/,
  ],
  [
    "workspace missing with its table",
    evidence({
      drift: found(
        drift((o) => {
          o.workspace = missing();
          o.table = missing();
        }),
      ),
      calls: calls({ "204": 2 }),
    }),
    ["table-changed:3", "workspace-missing:3"],
    /Keeper table was deleted/,
    /Recreate the table/,
  ],
  [
    "daily cap: _LogOperation says OverQuota, pushes accepted, DCRLogErrors holds an unrelated error",
    evidence({
      calls: calls({ "204": 10 }),
      dailyCap: found([{ count: 1, last: SINCE + 120_000, detail: "OverQuota" }]),
      dcrErrors: found([{ operation: "Ingestion", count: 1, last: SINCE }]),
    }),
    ["daily-cap:6", "dcr-changed:3"],
    /daily cap/,
    /Daily cap/,
  ],
  [
    "throttled: most pushes get 429, one was refused with 400",
    evidence({ calls: calls({ "429": 10, "503": 2, "400": 1 }) }),
    ["throttled:5", "dcr-changed:4"],
    /throttled \(429\)/,
    /Logs Ingestion API limits/,
  ],
  [
    "Keeper stopped: no push, sign-ins fine, every piece healthy (warnings only)",
    evidence({
      drift: found(
        drift((o) => {
          if (o.table.kind === "found") o.table.value.plan = "Basic";
          if (o.app.kind === "found") o.app.value.passwordCredentials[1]!.endDateTime = days(3);
        }),
      ),
    }),
    ["keeper-stopped:3"],
    /Keeper stopped sending/,
    /Test connection/,
  ],
  [
    "Keeper stopped, sign-ins not visible: the same, weighed less",
    evidence({ signIns: missing() }),
    ["keeper-stopped:2"],
    /Keeper stopped sending/,
    /Keeper Admin Console/,
  ],
];

const ALL_CAUSES = [
  "secret-expired",
  "secret-wrong",
  "app-missing",
  "sp-disabled",
  "role-missing",
  "dcr-missing",
  "dcr-changed",
  "dce-changed",
  "table-changed",
  "workspace-missing",
  "daily-cap",
  "throttled",
  "keeper-stopped",
] as const satisfies readonly CauseId[];
// Fails to compile when a cause is added to CauseId but not to this list (and so to no row).
const everyCause: Exclude<CauseId, (typeof ALL_CAUSES)[number]> extends never ? true : false = true;

describe("diagnose", () => {
  it.each(ROWS)("%s", (_name, ev, ranked, title, fix) => {
    const causes = diagnose(ev);
    expect(ranking(ev)).toEqual(ranked);
    const top = causes[0]!;
    expect(top.title).toMatch(title);
    expect(top.fix).toMatch(fix);
    expect(top.evidence.length).toBeGreaterThan(0);
    const f = diagnosisFinding(ev, "ws");
    expect(f).toMatchObject({ status: "problem", severity: "critical" });
    // the finding's fix is the cause's, with the real ids of its drift findings where it names one
    const placeholders = ["<appId>", "<Keeper app's service principal>", "<DCR resource id>"];
    const driftIds = ev.drift.kind === "found" && ev.drift.value.some((d) => d.status === "problem" && d.cause);
    if (driftIds) for (const p of placeholders) expect(f.remediation).not.toContain(p);
    else expect(f.remediation).toBe(top.fix);
    expect(f.evidence?.["cause"]).toBe(top.cause);
    expect(f.summary.startsWith(`Most likely cause: ${top.title} (`)).toBe(true);
  });

  it("has a row naming each cause first", () => {
    expect(everyCause).toBe(true);
    const tops = new Set(ROWS.map(([, ev]) => diagnose(ev)[0]!.cause));
    expect([...tops].sort()).toEqual([...ALL_CAUSES].sort());
  });

  it.each(ROWS)("gives the same ranking when every check words its problem differently: %s", (_name, ev, ranked) => {
    if (ev.drift.kind !== "found") throw new Error("drift");
    // Words the causes were once told apart by, put where they mislead: "disabled" on every
    // finding, "expires in" on an expired secret, nothing of the original summary left.
    const reworded = ev.drift.value.map((f) => ({ ...f, summary: `${f.check} reworded: expires in 9 days, disabled` }));
    expect(ranking({ ...ev, drift: found(reworded) })).toEqual(ranked);
  });

  it("makes the removed role's fix pasteable with the Keeper app's service principal and the DCR", () => {
    const ev = evidence({ drift: found(drift((o) => (o.roleAssignments = found([])))), calls: calls({ "403": 20 }) });
    const f = diagnosisFinding(ev, "ws");
    expect(f.remediation).toBe(
      `az role assignment create --assignee-object-id ${SP_OID} --assignee-principal-type ServicePrincipal --role "Monitoring Metrics Publisher" --scope ${DCR_ID} (takes up to 30 minutes to apply).`,
    );
    expect(f.evidence?.["explainedBy"]).toEqual([{ check: "role.assignment", resource: DCR_ID }]);
  });

  it("tells a missing service principal from a disabled one by the check's cause, not its words", () => {
    const gone = drift((o) => (o.servicePrincipal = missing()));
    const sp = gone.find((f) => f.check === "app.servicePrincipal")!;
    expect(sp.cause).toEqual({ kind: "sp-missing", appId: expected().appId });
    const worded = gone.map((f) => (f === sp ? { ...f, summary: "The service principal is disabled." } : f));
    expect(diagnose(evidence({ drift: found(worded) }))[0]!.cause).toBe("app-missing");
  });

  it("weighs no problem a check attached no cause to, however it reads", () => {
    const lookalikes = [
      problem(
        "app.servicePrincipal",
        "critical",
        "The Keeper app's service principal is disabled: sign-ins are refused.",
      ),
      problem("role.assignment", "critical", "The Keeper app holds no role on the DCR: Keeper's pushes get 403."),
      problem(
        "secret.expiry",
        "critical",
        "Every client secret of the Keeper app has expired (2): Keeper cannot sign in.",
      ),
    ];
    expect(ranking(evidence({ drift: found([...drift(), ...lookalikes]) }))).toEqual(["keeper-stopped:3"]);
  });

  it("weighs no cause on a finding that is not a problem", () => {
    const broken = drift((o) => (o.dcr = missing()));
    expect(broken.filter((f) => f.cause).length).toBeGreaterThan(0);
    const asUnknown = broken.map((f) => (f.cause ? { ...f, status: "unknown" as const } : f));
    expect(ranking(evidence({ drift: found(asUnknown) }))).toEqual(["keeper-stopped:3"]);
  });

  it("gives the DCE the same weight whichever way it broke (deleted, unlinked, moved)", () => {
    const deleted = drift((o) => (o.dce = missing()));
    const unlinked = drift((o) => (dcrOf(o).dataCollectionEndpointId = undefined));
    expect(deleted.find((f) => f.check === "dce.exists")!.cause).toEqual({ kind: "dce-missing", dceId: DCE_ID });
    expect(unlinked.find((f) => f.check === "dce.exists")!.cause).toEqual({ kind: "dce-missing" });
    expect(ranking(evidence({ drift: found(deleted) }))).toEqual(ranking(evidence({ drift: found(unlinked) })));
  });

  it("points the data flow's every breakage at the DCR", () => {
    const flows: Array<(o: Observed) => void> = [
      (o) => (dcrOf(o).dataFlows = []),
      (o) => (dcrOf(o).dataFlows[0]!.outputStream = "Custom-Other_CL"),
      (o) =>
        (dcrOf(o).logAnalyticsDestinations[0]!.workspaceResourceId =
          `${RG}/providers/Microsoft.OperationalInsights/workspaces/other`),
      (o) => (dcrOf(o).dataFlows[0]!.transformKql = "source | take 10"),
      (o) =>
        (dcrOf(o).streamDeclarations[STREAM] = dcrOf(o).streamDeclarations[STREAM]!.filter(
          (c) => c.name !== "username",
        )),
    ];
    for (const fn of flows) expect(diagnose(evidence({ drift: found(drift(fn)) }))[0]!.cause).toBe("dcr-changed");
  });
});

import { describe, expect, it } from "vitest";
import { RestError } from "@azure/core-rest-pipeline";
import { problem, type Finding } from "../../src/core/finding.js";
import { found, missing, notKnown, type Observation } from "../../src/core/observation.js";
import { unknownFrom } from "../../src/checks/resources.js";
import { observeError } from "../../src/azure/errors.js";
import { diagnosisFinding, type DiagnosisEvidence, type SignInGroup } from "../../src/ingestion/diagnosis.js";
import { groupIncidents, MONITOR_PRINCIPAL_PLACEHOLDER, type Incident } from "../../src/report/incident.js";
import { formatDuration } from "../../src/core/duration.js";
import { buildReport } from "../../src/report/report.js";
import { DCR_ID, NOW, RG, SP_OID, calls, days, drift, expected } from "../checks/fixtures.js";

const TABLE = `${RG}/providers/Microsoft.OperationalInsights/workspaces/law-sentinel/tables/KeeperSecurityEventNewLogs_CL`;
const APP_ID = expected().appId;
/** Events stopped 13 hours before the run. */
const LAST_EVENT = new Date(NOW.getTime() - 13 * 3_600_000);
const MONITOR_OID = "0f0f0f0f-1111-2222-3333-444444444444";

const signIns = (...groups: Array<[resultType: string, count: number]>): Observation<SignInGroup[]> =>
  found(groups.map(([resultType, count]) => ({ resultType, count, last: LAST_EVENT.getTime() + 60_000 })));

/** The ingestion run's findings for a silence since LAST_EVENT, diagnosed over `driftFindings`. */
function stopped(driftFindings: Finding[], over: Partial<DiagnosisEvidence> = {}): Finding[] {
  const freshness = problem(
    "ingestion.freshness",
    "critical",
    "No Keeper event for 780 min; the usual gap is 20 min.",
    {
      resource: TABLE,
      evidence: { lastEvent: LAST_EVENT.toISOString(), gapMinutes: 780 },
      remediation: "See ingestion.diagnosis.",
    },
  );
  const ev: DiagnosisEvidence = {
    since: LAST_EVENT.getTime(),
    drift: found(driftFindings),
    calls: calls({}),
    signIns: signIns(["0", 3]),
    dcrErrors: found([]),
    dailyCap: found([]),
    ...over,
  };
  return [freshness, diagnosisFinding(ev, TABLE)];
}

const ctx = { callTimeoutMs: 30_000, budget: new AbortController().signal };
const rest = (status: number, code: string) =>
  new RestError("x", {
    statusCode: status,
    response: { status, headers: {} as never, request: {} as never, bodyAsText: JSON.stringify({ error: { code } }) },
  });
/** An unknown finding as an adapter's failed read becomes one (errors.ts, then the analyzer). */
function unknownOf(check: string, e: unknown, resource: string, permission = `Monitoring Reader on ${resource}`) {
  const obs = observeError(e, { action: `read ${resource}`, permission }, ctx);
  if (obs.kind !== "unknown") throw new Error("expected unknown");
  return unknownFrom(check, obs, resource);
}

const roleRemoved = () => drift((o) => (o.roleAssignments = found([])));
const secretExpired = () =>
  drift((o) => {
    if (o.app.kind === "found")
      o.app.value.passwordCredentials = o.app.value.passwordCredentials.map((c) => ({ ...c, endDateTime: days(-1) }));
  });
const dcrDeleted = () => drift((o) => (o.dcr = missing()));

type Row = [
  name: string,
  findings: () => Finding[],
  expected: Array<Partial<Incident> & { fixHas?: string[]; fixLacks?: string[] }>,
];

const ROWS: Row[] = [
  [
    "role removed: the role, events stopped and the diagnosis are one incident with the role's own fix",
    () => {
      const d = roleRemoved();
      return [...d, ...stopped(d, { calls: calls({ "403": 40 }) })];
    },
    [
      {
        id: `role.assignment:${DCR_ID}`,
        status: "problem",
        severity: "critical",
        title: "Keeper events stopped 13 h ago: the Keeper app lost Monitoring Metrics Publisher on the DCR",
        since: LAST_EVENT.toISOString(),
        checks: ["role.assignment", "ingestion.freshness", "ingestion.diagnosis"],
        fixHas: ["az role assignment create", SP_OID, `--scope ${DCR_ID}`, "Monitoring Metrics Publisher"],
        fixLacks: ["<"],
      },
    ],
  ],
  [
    "role removed, the ingestion run alone: the same incident id, the diagnosis' fix pasteable",
    () => stopped(roleRemoved(), { calls: calls({ "403": 40 }) }),
    [
      {
        id: `role.assignment:${DCR_ID}`,
        status: "problem",
        checks: ["ingestion.freshness", "ingestion.diagnosis"],
        title: "Keeper events stopped 13 h ago: the Keeper app lost Monitoring Metrics Publisher on the DCR",
        fixHas: [SP_OID, DCR_ID],
        fixLacks: ["<"],
      },
    ],
  ],
  [
    "secret expired: events stopped because the Keeper app's client secret expired",
    () => {
      const d = secretExpired();
      return [...d, ...stopped(d, { signIns: signIns(["7000222", 12]) })];
    },
    [
      {
        id: `secret.expiry:${APP_ID}`,
        status: "problem",
        title: "Keeper events stopped 13 h ago: the Keeper app's client secret expired",
        checks: ["secret.expiry", "ingestion.freshness", "ingestion.diagnosis"],
      },
      // the vault's copy is a finding of its own: it names what to store, not why events stopped
      { id: "secret.vault:https://kv-keeper.vault.azure.net/secrets/keeper-connector-client-secret" },
    ],
  ],
  [
    "DCR deleted: the DCR, the role on it, the checks that could not read it and the silence are one",
    () => {
      const d = dcrDeleted();
      return [...d, ...stopped(d, { calls: notKnown("the DCR does not exist") })];
    },
    [
      {
        id: `dcr.exists:${DCR_ID}`,
        status: "problem",
        title: "Keeper events stopped 13 h ago: the data collection rule was deleted",
        fixHas: ["Redeploy"],
      },
    ],
  ],
  [
    "not signed in: 17 checks that could not get a token are one unknown incident",
    () =>
      Array.from({ length: 17 }, (_, i) =>
        unknownOf(
          `check.${String(i).padStart(2, "0")}`,
          Object.assign(new Error("Please run 'az login' to set up an account."), {
            name: "CredentialUnavailableError",
          }),
          `${RG}/r${i}`,
        ),
      ),
    [
      {
        id: "unknown:not-signed-in",
        status: "unknown",
        title: "Not signed in: 17 checks could not tell (run `az login`)",
        fixHas: ["az login"],
      },
    ],
  ],
  [
    "not signed in by 401 and by an AADSTS sign-in error: one unknown incident",
    () => [
      unknownOf("dcr.exists", rest(401, "InvalidAuthenticationToken"), DCR_ID),
      unknownOf(
        "app.exists",
        Object.assign(new Error("AADSTS700082: The refresh token has expired due to inactivity."), {
          name: "AuthenticationError",
        }),
        APP_ID,
      ),
    ],
    [{ id: "unknown:not-signed-in", status: "unknown", fixHas: ["az login"] }],
  ],
  [
    "403 on 3 resources: one incident, one command naming the monitor's principal id",
    () => [`${RG}/a`, `${RG}/b`, `${RG}/c`].map((r, i) => unknownOf(`check.${i}`, rest(403, "AuthorizationFailed"), r)),
    [
      {
        id: "unknown:forbidden:Monitoring Reader",
        status: "unknown",
        title: "The monitor lacks Monitoring Reader on 3 resources: 3 checks could not tell",
        fixHas: [`--assignee-object-id ${MONITOR_OID}`, `${RG}/a ${RG}/b ${RG}/c`, '--role "Monitoring Reader"'],
        fixLacks: [MONITOR_PRINCIPAL_PLACEHOLDER],
      },
    ],
  ],
  [
    "an unrelated warning stays an incident of its own beside the role removed",
    () => {
      const d = drift((o) => {
        o.roleAssignments = found([]);
        if (o.app.kind === "found")
          o.app.value.passwordCredentials = o.app.value.passwordCredentials.map((c) => ({
            ...c,
            endDateTime: days(10),
          }));
      });
      return [...d, ...stopped(d, { calls: calls({ "403": 40 }) })];
    },
    [
      { id: `role.assignment:${DCR_ID}`, checks: ["role.assignment", "ingestion.freshness", "ingestion.diagnosis"] },
      { id: `secret.expiry:${APP_ID}`, severity: "warning", checks: ["secret.expiry"] },
    ],
  ],
];

describe("groupIncidents: one incident per cause", () => {
  it.each(ROWS)("%s", (_name, findings, want) => {
    const got = groupIncidents(findings(), { at: NOW, monitorPrincipalId: MONITOR_OID });
    expect(got.map((i) => i.id)).toEqual(want.map((w) => w.id));
    want.forEach(({ fixHas = [], fixLacks = [], ...w }, n) => {
      const i = got[n]!;
      expect(i).toMatchObject(w);
      for (const s of fixHas) expect(i.fix).toContain(s);
      for (const s of fixLacks) expect(i.fix).not.toContain(s);
    });
  });

  it("the DCR deleted: the DCR's finding first, then the role on it, then the silence", () => {
    const d = dcrDeleted();
    const [i] = groupIncidents([...d, ...stopped(d, { calls: notKnown("the DCR does not exist") })], { at: NOW });
    expect(i!.checks[0]).toBe("dcr.exists");
    expect(i!.checks).toEqual(
      expect.arrayContaining(["role.assignment", "ingestion.freshness", "ingestion.diagnosis"]),
    );
    expect(i!.checks.indexOf("role.assignment")).toBeLessThan(i!.checks.indexOf("ingestion.freshness"));
  });

  it("a 403 without the monitor's principal id says where to find it", () => {
    const got = groupIncidents([unknownOf("dcr.exists", rest(403, "AuthorizationFailed"), DCR_ID)]);
    expect(got[0]!.fix).toContain(`--assignee-object-id ${MONITOR_PRINCIPAL_PLACEHOLDER}`);
    expect(got[0]!.fix).toContain("az ad signed-in-user show --query id");
  });

  it("drift problems without an ingestion symptom are incidents of their own, titled by their summary", () => {
    const d = roleRemoved();
    const got = groupIncidents(d, { at: NOW });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: `role.assignment:${DCR_ID}`, checks: ["role.assignment"] });
    expect(got[0]!.title).toBe(d.find((f) => f.check === "role.assignment")!.summary);
  });

  it("ids hold across runs while the cause lasts, whatever the time", () => {
    const d = roleRemoved();
    const all = [...d, ...stopped(d, { calls: calls({ "403": 40 }) })];
    const later = groupIncidents(all, { at: new Date(NOW.getTime() + 3_600_000) });
    expect(later.map((i) => i.id)).toEqual(groupIncidents(all, { at: NOW }).map((i) => i.id));
    expect(later[0]!.title).toMatch(/^Keeper events stopped 14 h ago/);
  });

  it("says how long ago in the words every surface uses: days and hours, not a rounded count of days", () => {
    const d = roleRemoved();
    const all = [...d, ...stopped(d, { calls: calls({ "403": 40 }) })];
    // 13 h before NOW at first; 2 days and 16 h later it is 3 days 5 h
    const later = groupIncidents(all, { at: new Date(NOW.getTime() + (2 * 24 + 16) * 3_600_000) });
    expect(later[0]!.title).toMatch(/^Keeper events stopped 3 days 5 h ago: /);
    expect(later[0]!.title).toContain(formatDuration((3 * 24 + 5) * 60));
  });

  it("the Report's incidents are grouped the same way, titled at the run's end", () => {
    const d = roleRemoved();
    const r = buildReport({ tenantId: "t", appId: APP_ID, dcr: DCR_ID, workspace: "w" }, NOW, NOW, [
      ...d,
      ...stopped(d, { calls: calls({ "403": 40 }) }),
    ]);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]!.title).toMatch(/^Keeper events stopped 13 h ago: /);
  });
});

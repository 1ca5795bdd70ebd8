import { describe, expect, it } from "vitest";
import { addWhoWhen, type ActivityLogRead } from "../../src/checks/whoWhen.js";
import type { ActivityEvent, ActivityRead, ActivityScope } from "../../src/connector/types.js";
import { ok, problem, unknown } from "../../src/core/finding.js";
import type { Logger } from "../../src/core/logger.js";
import { DCE_ID, DCR_ID, NOW, RG, SP_OID, WS_ID } from "./fixtures.js";

const PORTAL = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
const CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const PWSH = "1950a258-227b-4e31-a9cf-717495945fc2";
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const ev = (over: Partial<ActivityEvent> & Pick<ActivityEvent, "operation" | "resourceId">): ActivityEvent => ({
  action: /delete$/i.test(over.operation) ? "delete" : "write",
  caller: "alice@contoso.com",
  appId: PORTAL,
  at: minutesAgo(58),
  ...over,
});

function reader(answer: (scope: ActivityScope) => ActivityRead | Promise<ActivityRead>) {
  const calls: Array<{ scope: ActivityScope; from: Date; to: Date }> = [];
  const read: ActivityLogRead = async (scope, from, to) => {
    calls.push({ scope, from, to });
    return answer(scope);
  };
  return { read, calls };
}

function logger() {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(`info ${m}`),
    warn: (m, f) => lines.push(`warn ${m} ${JSON.stringify(f)}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { log, lines };
}

const dcrGone = problem(
  "dcr.exists",
  "critical",
  "The data collection rule does not exist: every Keeper push is refused.",
  {
    resource: DCR_ID,
    cause: { kind: "dcr-missing", dcrId: DCR_ID },
  },
);
const roleGone = problem(
  "role.assignment",
  "critical",
  "The Keeper app holds no role on the DCR: Keeper's pushes get 403.",
  {
    resource: DCR_ID,
    evidence: {
      expected: { role: "Monitoring Metrics Publisher", scope: DCR_ID },
      actual: [],
      changed: ["roleAssignments"],
    },
    cause: { kind: "role-missing", scope: DCR_ID, principalId: SP_OID, held: [] },
  },
);
const streamChanged = problem("dcr.stream", "critical", "The DCR's stream lost remote_address.", { resource: DCR_ID });
const flowChanged = problem("dcr.dataFlow", "critical", "The transform writes a column the table lacks.", {
  resource: DCR_ID,
});
const events = (list: ActivityEvent[]): ActivityRead => ({ kind: "events", events: list });
const deps = (read: ActivityLogRead, log?: Logger) => ({ read, now: NOW, dcrId: DCR_ID, ...(log ? { log } : {}) });

describe("who and when of drift problems (Activity Log)", () => {
  it("reads nothing when no drift check found a problem", async () => {
    const r = reader(() => events([]));
    const findings = [
      ok("dcr.exists", "The data collection rule exists.", { resource: DCR_ID }),
      unknown("dcr.stream", "Could not tell: 403.", { resource: DCR_ID }),
      problem("secret.expiry", "warning", "The secret ends in 10 days.", { resource: "app" }),
    ];
    expect(await addWhoWhen(findings, deps(r.read))).toEqual(findings);
    expect(r.calls).toHaveLength(0);
  });

  it("says who deleted the DCR, when and with which tool, from the latest succeeded delete", async () => {
    const r = reader(() =>
      events([
        ev({ operation: "Microsoft.Insights/dataCollectionRules/write", resourceId: DCR_ID, at: minutesAgo(30) }),
        ev({
          operation: "Microsoft.Insights/dataCollectionRules/delete",
          resourceId: DCR_ID,
          caller: "bob@contoso.com",
          appId: CLI,
          at: minutesAgo(600),
        }),
        ev({ operation: "Microsoft.Insights/dataCollectionRules/delete", resourceId: DCR_ID, at: minutesAgo(58) }),
      ]),
    );
    const [f] = await addWhoWhen([dcrGone], deps(r.read));
    expect(f!.summary).toBe(
      "The data collection rule does not exist: every Keeper push is refused. Deleted by alice@contoso.com at 2026-11-25 11:02 UTC, from the Azure portal.",
    );
    expect(f!.evidence?.["lastChange"]).toEqual({
      action: "deleted",
      by: "alice@contoso.com",
      at: "2026-11-25T11:02:00.000Z",
      via: "the Azure portal",
      operation: "Microsoft.Insights/dataCollectionRules/delete",
    });
    expect(f!.cause).toEqual(dcrGone.cause);
    expect(r.calls).toEqual([
      { scope: { kind: "resource", resourceId: DCR_ID }, from: new Date(NOW.getTime() - 90 * 86_400_000), to: NOW },
    ]);
  });

  it("asks once per resource, however many findings it explains, and names the tool of each change", async () => {
    const r = reader(() =>
      events([
        ev({
          operation: "Microsoft.Insights/dataCollectionRules/write",
          resourceId: DCR_ID,
          appId: PWSH,
          at: minutesAgo(5),
        }),
      ]),
    );
    const out = await addWhoWhen([streamChanged, flowChanged], deps(r.read));
    expect(r.calls).toHaveLength(1);
    for (const f of out)
      expect(f.summary).toMatch(/ Changed by alice@contoso\.com at 2026-11-25 11:55 UTC, from Azure PowerShell\.$/);
  });

  it("tells a role assignment removed at the DCR from one removed elsewhere in its resource group", async () => {
    const at = (scope: string) =>
      `${scope}/providers/Microsoft.Authorization/roleAssignments/0f1e2d3c-4b5a-4968-8776-655443322110`;
    const r = reader(() =>
      events([
        // later, but on the workspace: not the DCR's role
        ev({ operation: "Microsoft.Authorization/roleAssignments/delete", resourceId: at(WS_ID), at: minutesAgo(2) }),
        ev({ operation: "Microsoft.Authorization/roleAssignments/write", resourceId: at(DCR_ID), at: minutesAgo(3) }),
        ev({
          operation: "Microsoft.Authorization/roleAssignments/delete",
          resourceId: at(DCR_ID),
          caller: "5b3c2d1e-0f9a-4b8c-9d7e-6f5a4b3c2d1e",
          appId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
          at: minutesAgo(14),
        }),
      ]),
    );
    const [f] = await addWhoWhen([roleGone], deps(r.read));
    expect(r.calls[0]!.scope).toEqual({
      kind: "resourceGroup",
      subscriptionId: "11111111-2222-3333-4444-555555555555",
      resourceGroup: "rg-sentinel",
    });
    expect(f!.summary).toMatch(
      / Removed by object id 5b3c2d1e-0f9a-4b8c-9d7e-6f5a4b3c2d1e at 2026-11-25 11:46 UTC, from app 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\.$/,
    );
  });

  it("counts a removal at the resource group above the DCR", async () => {
    const r = reader(() =>
      events([
        ev({
          operation: "Microsoft.Authorization/roleAssignments/delete",
          resourceId: `${RG}/providers/Microsoft.Authorization/roleAssignments/8e9f0a1b-2c3d-4e4f-9a6b-7c8d9e0f1a2b`,
        }),
      ]),
    );
    const [f] = await addWhoWhen([roleGone], deps(r.read));
    expect(f!.evidence?.["lastChange"]).toMatchObject({ action: "removed", by: "alice@contoso.com" });
  });

  it("leaves the role to dcr.exists when the DCR itself is gone (its assignments went with it)", async () => {
    const r = reader(() => events([]));
    await addWhoWhen([dcrGone, roleGone], deps(r.read));
    expect(r.calls.map((c) => c.scope.kind)).toEqual(["resource"]);
  });

  it("adds nothing when no event fits: none of this resource, or only a write for a deleted one", async () => {
    const r = reader(() =>
      events([
        ev({ operation: "Microsoft.Insights/dataCollectionRules/write", resourceId: DCR_ID }),
        ev({ operation: "Microsoft.Insights/dataCollectionEndpoints/delete", resourceId: DCE_ID }),
      ]),
    );
    const [f] = await addWhoWhen([dcrGone], deps(r.read));
    expect(f).toEqual(dcrGone);
  });

  it("a 403 is a note naming the role that adds who and when, never a failure", async () => {
    const r = reader(() => ({ kind: "forbidden" }));
    const [f] = await addWhoWhen([dcrGone], deps(r.read));
    expect(f!.status).toBe("problem");
    expect(f!.summary).toBe(dcrGone.summary);
    expect(f!.evidence?.["lastChangeNote"]).toBe(
      "not shown: the monitor may not read the Activity Log (Microsoft.Insights/eventtypes/values/read); Monitoring Reader on resource group rg-sentinel adds it",
    );
  });

  it("any other failure, or a throwing read, leaves the findings as they were and logs one line", async () => {
    const { log, lines } = logger();
    const failing = reader(() => ({
      kind: "failed",
      reason: "service error 500 while trying to read the Activity Log",
    }));
    expect(await addWhoWhen([dcrGone], deps(failing.read, log))).toEqual([dcrGone]);
    expect(lines).toEqual([
      `warn who-and-when: change log not read; findings keep no who/when {"scope":"resource group rg-sentinel","reason":"service error 500 while trying to read the Activity Log"}`,
    ]);
    const throwing = reader(() => Promise.reject(new TypeError("boom")));
    expect(await addWhoWhen([streamChanged], deps(throwing.read, log))).toEqual([streamChanged]);
    expect(lines[1]).toContain('"reason":"TypeError"');
  });

  it("looks back no further than the last healthy run when it is known", async () => {
    const r = reader(() => events([]));
    const since = minutesAgo(120);
    await addWhoWhen([dcrGone], { ...deps(r.read), since });
    expect(r.calls[0]!.from).toEqual(since);
    await addWhoWhen([dcrGone], { ...deps(r.read), since: new Date(NOW.getTime() - 400 * 86_400_000) });
    expect(r.calls[1]!.from).toEqual(new Date(NOW.getTime() - 90 * 86_400_000));
  });

  it("a vault secret no longer on the app: who changed the app's secrets, from the Entra audit log", async () => {
    const stale = problem(
      "secret.vault",
      "warning",
      "Key Vault holds a secret for a credential no longer on the app.",
      {
        resource: "https://kv.vault.azure.net/secrets/keeper",
        evidence: { expected: "a keyId live on the app", actual: "k", changed: ["keyId"] },
      },
    );
    const arm = reader(() => events([]));
    const asked: Array<[string, Date]> = [];
    const audits = (answer: ActivityRead) => ({
      appObjectId: "5b84c280-1685-4764-825b-14539d7908a1",
      read: (id: string, from: Date) => (asked.push([id, from]), Promise.resolve(answer)),
    });
    // without the app (not read), nothing is asked
    expect(await addWhoWhen([stale], deps(arm.read))).toEqual([stale]);
    const [f] = await addWhoWhen([stale], {
      ...deps(arm.read),
      audits: audits(
        events([
          ev({ operation: "Update application", resourceId: "x", at: minutesAgo(1) }),
          ev({ operation: "Update application – Certificates and secrets management ", resourceId: "x" }),
        ]),
      ),
    });
    expect(f!.summary).toMatch(
      / Secrets changed by alice@contoso\.com at 2026-11-25 11:02 UTC, from the Azure portal\.$/,
    );
    expect(asked).toEqual([["5b84c280-1685-4764-825b-14539d7908a1", new Date(NOW.getTime() - 90 * 86_400_000)]]);
    expect(arm.calls).toHaveLength(0);
    const [n] = await addWhoWhen([stale], { ...deps(arm.read), audits: audits({ kind: "forbidden" }) });
    expect(n!.evidence?.["lastChangeNote"]).toBe(
      "not shown: the monitor may not read the Entra audit log; the Microsoft Graph application permission AuditLog.Read.All adds it",
    );
  });

  it("tells a DCE re-created and a table deleted, each from its own resource's log", async () => {
    const table = `${WS_ID}/tables/KeeperSecurityEventNewLogs_CL`;
    const r = reader((s) =>
      events(
        s.kind === "resource" && s.resourceId === DCE_ID
          ? [
              ev({
                operation: "Microsoft.Insights/dataCollectionEndpoints/write",
                resourceId: DCE_ID,
                caller: "bob@contoso.com",
                appId: CLI,
              }),
            ]
          : [ev({ operation: "Microsoft.OperationalInsights/workspaces/tables/delete", resourceId: table })],
      ),
    );
    const out = await addWhoWhen(
      [
        problem("dce.endpoint", "critical", "The DCE has a new endpoint.", { resource: DCE_ID }),
        problem("table.exists", "critical", "The table does not exist.", { resource: table }),
      ],
      deps(r.read),
    );
    expect(out.map((f) => f.summary)).toEqual([
      "The DCE has a new endpoint. Changed by bob@contoso.com at 2026-11-25 11:02 UTC, from Azure CLI.",
      "The table does not exist. Deleted by alice@contoso.com at 2026-11-25 11:02 UTC, from the Azure portal.",
    ]);
  });
});

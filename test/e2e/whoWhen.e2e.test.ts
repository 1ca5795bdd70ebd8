/**
 * Who and when of drift problems, end to end: the real SDK client reads the emulator's Activity
 * Log (scenarios record who broke what), under the RBAC the template grants.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { IDS } from "../../emulator/constants.js";
import { CLIENT_APP, recordActivity } from "../../emulator/state.js";
import type { Finding } from "../../src/core/finding.js";
import type { Notice } from "../../src/core/notifier.js";
import { renderCard, renderCardText } from "../../src/report/card.js";
import { renderEmail } from "../../src/report/email.js";
import { evidenceFacts } from "../../src/report/evidence.js";
import { exitCodeFor, type Report } from "../../src/report/report.js";
import { renderText } from "../../src/report/text.js";
import { monitorFor, sharedHealthyEmulator } from "./harness.js";

const current = sharedHealthyEmulator();
let emu: Emulator;
beforeEach(() => {
  emu = current();
});

const ACTIVITY = /\/providers\/Microsoft\.Insights\/eventtypes\/management\/values$/i;
const activityCalls = () => emu.calls.filter((c) => ACTIVITY.test(c.path));
/** Queries, not pages: a next page carries the service's $skiptoken. */
const activityQueries = () => activityCalls().filter((c) => !c.query.includes("skiptoken"));
const byCheck = (r: Report, check: string) => r.findings.find((f) => f.check === check)!;
/** The emulator's time of the scenario's latest succeeded record, as the finding words it. */
const lastAt = () => {
  const r = emu.state.activityLog.filter((x) => x.status === "Succeeded").at(-1)!;
  return new Date(r.at).toISOString().replace("T", " ").slice(0, 16) + " UTC";
};

function noticeOf(f: Finding): Notice {
  return {
    key: `${f.check}|${f.resource ?? ""}|x`,
    kind: "opened",
    severity: f.severity,
    title: f.check,
    summary: f.summary,
    facts: evidenceFacts(f.evidence),
    links: [],
    at: new Date().toISOString(),
  };
}

describe("who and when of drift problems, from the Activity Log", () => {
  it("a healthy run reads no Activity Log (timer and CLI runs)", async () => {
    const m = monitorFor(emu);
    const r = await m.runAll();
    expect(r.status).toBe("ok");
    await m.runDriftChecks();
    expect(emu.calls.length).toBeGreaterThan(5);
    expect(activityCalls()).toEqual([]);
  });

  it("role-removed: who removed Keeper's role, when, from the Azure portal, on every surface", async () => {
    emu.applyScenario("role-removed");
    const r = await monitorFor(emu).runDriftChecks();
    const f = byCheck(r, "role.assignment");
    const words = `Removed by alice@contoso.com at ${lastAt()}, from the Azure portal.`;
    expect(f.status).toBe("problem");
    expect(f.summary).toBe(`The Keeper app holds no role on the DCR: Keeper's pushes get 403. ${words}`);
    expect(f.evidence?.["lastChange"]).toMatchObject({
      action: "removed",
      by: "alice@contoso.com",
      via: "the Azure portal",
      operation: "Microsoft.Authorization/roleAssignments/delete",
    });
    // one query: the DCR's resource group, where the assignment was (its 6 records on 2 pages)
    expect(activityQueries()).toHaveLength(1);
    expect(activityCalls()).toHaveLength(2);
    expect(decodeURIComponent(activityQueries()[0]!.query)).toContain("resourceGroupName eq 'rg-sentinel'");
    expect(exitCodeFor(r)).toBe(1);

    expect(renderText(r, { width: 400 })).toContain(words);
    const facts = evidenceFacts(f.evidence);
    expect(facts).toContainEqual({
      name: "Last change",
      value: `removed by alice@contoso.com at ${lastAt()}, from the Azure portal`,
    });
    expect(renderCardText(renderCard([noticeOf(f)]))).toContain("alice@contoso.com");
    const mail = renderEmail([noticeOf(f)]);
    expect(mail.text).toContain(`Last change: removed by alice@contoso.com at ${lastAt()}`);
    expect(mail.html).toContain("removed by alice@contoso.com");
  });

  it("a hostile caller name is bounded and inert on the terminal, in Teams and in mail", async () => {
    emu.applyScenario("role-removed");
    const rec = emu.state.activityLog.filter((x) => x.status === "Succeeded").at(-1)!;
    rec.caller = `[open](https://evil.example/x)<script>alert(1)</script>\u001b]8;;https://evil.example\u0007\u202E${"z".repeat(3000)}`;
    const r = await monitorFor(emu).runDriftChecks();
    const f = byCheck(r, "role.assignment");
    expect(f.summary.length).toBeLessThan(600);
    const text = renderText(r, { width: 200 });
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("\u202E");
    expect(text).toContain("\\u202E");
    const card = JSON.stringify(renderCard([noticeOf(f)]));
    expect(card).not.toContain("](https://evil");
    expect(card).not.toContain("<script>");
    expect(renderEmail([noticeOf(f)]).html).not.toContain("<script>");
  });

  it.each([
    ["dcr-transform-changed", "dcr.dataFlow", "Changed by alice@contoso.com", "the Azure portal"],
    ["dcr-stream-column-removed", "dcr.stream", "Changed by alice@contoso.com", "the Azure portal"],
    ["dcr-recreated", "dcr.immutableId", "Changed by bob@contoso.com", "Azure CLI"],
    ["dcr-deleted", "dcr.exists", "Deleted by alice@contoso.com", "the Azure portal"],
    ["dce-deleted", "dce.exists", "Deleted by alice@contoso.com", "the Azure portal"],
    ["dce-endpoint-changed", "dce.endpoint", "Changed by bob@contoso.com", "Azure CLI"],
    ["table-deleted", "table.exists", "Deleted by alice@contoso.com", "the Azure portal"],
    ["table-column-removed", "table.schema", "Changed by bob@contoso.com", "Azure CLI"],
    ["workspace-deleted", "workspace.exists", "Deleted by bob@contoso.com", "Azure CLI"],
  ])("%s: %s says %s, from %s", async (scenario, check, who, via) => {
    emu.applyScenario(scenario);
    const f = byCheck(await monitorFor(emu).runDriftChecks(), check);
    expect(f.status).toBe("problem");
    expect(f.summary).toMatch(new RegExp(` ${who} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, from ${via}\\.$`));
  });

  it("a deleted DCR is one query (its role went with it) and the role finding gains nothing", async () => {
    emu.applyScenario("dcr-deleted");
    const r = await monitorFor(emu).runDriftChecks();
    expect(activityQueries()).toHaveLength(1);
    expect(decodeURIComponent(activityQueries()[0]!.query)).toContain(`resourceUri eq '${IDS.dcr}'`);
    expect(byCheck(r, "role.assignment").evidence?.["lastChange"]).toBeUndefined();
  });

  it("a change by a service principal names its object id and its app", async () => {
    emu.applyScenario("tampered-transform");
    const f = byCheck(await monitorFor(emu).runDriftChecks(), "dcr.dataFlow");
    expect(f.summary).toMatch(
      / Changed by object id 3f0e9d8c-7b6a-4c5d-9e8f-0a1b2c3d4e5f at .* UTC, from app 7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d\.$/,
    );
  });

  it("without the Activity Log read role: a note naming the role, the problem unchanged", async () => {
    emu.applyScenario("role-removed");
    const grants = emu.monitorGrants!;
    const i = grants.findIndex((g) => g.actions.includes("Microsoft.Insights/eventtypes/values/read"));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(grants[i]!.scope).toBe(IDS.resourceGroup);
    const [taken] = grants.splice(i, 1);
    try {
      const r = await monitorFor(emu).runDriftChecks();
      const f = byCheck(r, "role.assignment");
      expect(activityCalls().map((c) => c.status)).toEqual([403]);
      expect(f.status).toBe("problem");
      expect(f.summary).toBe("The Keeper app holds no role on the DCR: Keeper's pushes get 403.");
      expect(f.evidence?.["lastChangeNote"]).toMatch(/Monitoring Reader on resource group rg-sentinel adds it$/);
      expect(r.status).toBe("problem");
      expect(exitCodeFor(r)).toBe(1);
    } finally {
      grants.splice(i, 0, taken!);
    }
  });

  it.each([
    ["a 500", { status: 500, retryAfterMs: 0 }],
    ["a malformed body", { malformed: true }],
    ["a 200 of the wrong shape", { body: { value: "none" } }],
    ["a hung call", { hang: true }],
  ])("%s: no who and when, no crash, the rest of the report as it was", async (_name, fault) => {
    emu.applyScenario("role-removed");
    emu.faults.add({ service: "arm", path: ACTIVITY, ...fault });
    const r = await monitorFor(emu, { CALL_TIMEOUT_SECONDS: "2" }).runDriftChecks();
    const f = byCheck(r, "role.assignment");
    expect(f.status).toBe("problem");
    expect(f.summary).toBe("The Keeper app holds no role on the DCR: Keeper's pushes get 403.");
    expect(f.evidence?.["lastChange"]).toBeUndefined();
    expect(exitCodeFor(r)).toBe(1);
  });

  it("vault-stale: who changed the app's secrets, from the Entra audit log once AuditLog.Read.All is granted", async () => {
    emu.applyScenario("vault-stale");
    let f = byCheck(await monitorFor(emu).runDriftChecks(), "secret.vault");
    const audits = () => emu.calls.filter((c) => /auditLogs\/directoryAudits$/i.test(c.path));
    // the grant script does not give AuditLog.Read.All: a note, the problem as it was
    expect(audits().map((c) => c.status)).toEqual([403]);
    expect(f.status).toBe("problem");
    expect(f.evidence?.["lastChangeNote"]).toBe(
      "not shown: the monitor may not read the Entra audit log; the Microsoft Graph application permission AuditLog.Read.All adds it",
    );
    const monitorApp = emu.state.apps.find((a) => a.appId === emu.settings["AZURE_CLIENT_ID"])!;
    monitorApp.graphRoles.push("AuditLog.Read.All");
    emu.resetCalls();
    f = byCheck(await monitorFor(emu).runDriftChecks(), "secret.vault");
    expect(audits()).toHaveLength(1);
    expect(decodeURIComponent(audits()[0]!.query)).toContain("targetResources/any(t:t/id eq '");
    expect(f.summary).toMatch(/ Secrets changed by alice@contoso\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    expect(f.evidence?.["lastChange"]).toMatchObject({ action: "secrets changed", by: "alice@contoso.com" });
  });

  it("a healthy run reads no Entra audit log either", async () => {
    await monitorFor(emu).runAll();
    expect(emu.calls.filter((c) => /auditLogs/i.test(c.path))).toEqual([]);
  });

  it("reads at most 5 pages: a removal buried under newer records is not found, and costs 5 calls", async () => {
    emu.applyScenario("role-removed");
    for (let k = 0; k < 40; k++)
      recordActivity(emu.state.activityLog, {
        operation: "Microsoft.Insights/dataCollectionRules/write",
        resourceId: IDS.dcr,
        caller: "pipeline@contoso.com",
        appId: CLIENT_APP.cli,
        at: Date.now() - 10 * 60_000 + k * 1000,
      });
    const f = byCheck(await monitorFor(emu).runDriftChecks(), "role.assignment");
    expect(activityQueries()).toHaveLength(1);
    expect(activityCalls()).toHaveLength(5);
    expect(f.evidence?.["lastChange"]).toBeUndefined();
  });
});

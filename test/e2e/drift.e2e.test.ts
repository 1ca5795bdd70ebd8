import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SCENARIOS, type Emulator } from "../../emulator/index.js";
import { CHECK_CATALOG } from "../../src/core/finding.js";
import { exitCodeFor, type Report } from "../../src/report/report.js";
import { monitorFor, startTrustedEmulator } from "./harness.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
});

const byCheck = (r: Report, check: string) => r.findings.find((f) => f.check === check)!;
const notOk = (r: Report) => r.findings.filter((f) => f.status !== "ok").map((f) => `${f.check}:${f.status}`);

describe("drift checks against the emulator, real SDK clients", () => {
  it("reports a healthy deployment as ok on every catalog check", async () => {
    const r = await monitorFor(emu).runAll();
    expect(notOk(r)).toEqual([]);
    // alerts.channel is added when the Function App records the run (src/alerts), not by the checks.
    expect(r.findings.map((f) => f.check)).toEqual(CHECK_CATALOG.filter((c) => !c.startsWith("alerts.")));
    expect(exitCodeFor(r)).toBe(0);
    expect(r.target.endpointUrl).toBe(
      `${emu.settings["KEEPER_DCE_URI"]}/dataCollectionRules/${emu.settings["KEEPER_DCR_IMMUTABLE_ID"]}/streams/Custom-KeeperSecurityEventNewLogs?api-version=2023-01-01`,
    );
  });

  it("stays within the call budget of the driftCheck timer's run (warm)", async () => {
    const m = monitorFor(emu);
    await m.runDriftChecks(); // cold: tokens, and Key Vault's challenge round trip
    emu.resetCalls();
    await m.runDriftChecks();
    const count = (service: string) => emu.calls.filter((c) => c.service === service).length;
    expect(count("arm")).toBeLessThanOrEqual(10);
    expect(count("graph")).toBeLessThanOrEqual(2);
    // rotation.cutover's one aggregated sign-in query; the ingestion watch runs on its own timer
    expect(count("logs")).toBe(1);
    expect(count("vault")).toBe(1);
    expect(count("token")).toBe(0);
  });

  it("adds exactly the ingestion watch's one query when run with everything (CLI, health refresh)", async () => {
    const m = monitorFor(emu);
    await m.runAll();
    emu.resetCalls();
    const r = await m.runAll();
    expect(r.findings.some((f) => f.check === "ingestion.freshness")).toBe(true);
    expect(emu.calls.filter((c) => c.service === "logs")).toHaveLength(2);
    emu.resetCalls();
    const timer = await m.runDriftChecks();
    expect(timer.findings.some((f) => f.check.startsWith("ingestion."))).toBe(false);
    expect(emu.calls.filter((c) => c.service === "logs")).toHaveLength(1);
  });

  const broken = SCENARIOS.filter((s) => s.name !== "healthy" && s.breaks.length > 0);
  it.each(broken.map((s) => [s.name, s.breaks] as const))(
    "scenario %s breaks %j and gives a fix",
    async (name, breaks) => {
      emu.applyScenario(name);
      const r = await monitorFor(emu).runAll();
      for (const check of breaks) {
        const f = byCheck(r, check);
        expect(f.status, `${check}: ${f.summary}`).not.toBe("ok");
        if (f.status === "problem") expect(f.remediation, check).toBeTruthy();
      }
      expect(exitCodeFor(r)).not.toBe(0);
    },
  );

  it("reads a disabled current vault version as disabled, with the command that enables it", async () => {
    emu.applyScenario("vault-version-disabled");
    const f = byCheck(await monitorFor(emu).runAll(), "secret.vault");
    expect(f.status, f.summary).toBe("problem");
    expect(f.summary).toMatch(/disabled/);
    expect(f.remediation).toMatch(/az keyvault secret set-attributes --vault-name \S+ --name \S+ --enabled true/);
    expect(f.remediation).not.toMatch(/Secrets Officer/);
    expect(f.evidence).toMatchObject({ enabled: false, tags: { keyId: expect.any(String) } });
  });

  it("reads a 403 as unknown with the missing permission, never as missing", async () => {
    emu.applyScenario("monitor-forbidden");
    const r = await monitorFor(emu).runAll();
    const f = byCheck(r, "dcr.exists");
    expect(f.status).toBe("unknown");
    expect(f.summary).toMatch(/403/);
    expect(f.remediation).toMatch(/Monitoring Reader/);
    expect(r.findings.filter((x) => x.status === "problem").map((x) => x.check)).toEqual([]);
    expect(exitCodeFor(r)).toBe(2);
  });

  it("retries a 429 with Retry-After and then reports ok", async () => {
    emu.faults.add({ service: "arm", path: /dataCollectionRules\//i, status: 429, retryAfterSeconds: 1, times: 2 });
    const r = await monitorFor(emu).runAll();
    expect(byCheck(r, "dcr.exists").status).toBe("ok");
    expect(
      emu.calls.filter((c) => c.service === "arm" && /dataCollectionRules\//i.test(c.path) && c.status === 429),
    ).toHaveLength(2);
  });

  it("reports a persistent 503 as unknown, not missing", async () => {
    emu.faults.add({ service: "graph", path: /applications/, status: 503, retryAfterMs: 10 });
    const r = await monitorFor(emu).runAll();
    expect(byCheck(r, "app.exists").status).toBe("unknown");
    expect(byCheck(r, "app.exists").summary).toMatch(/503/);
    expect(byCheck(r, "secret.expiry").status).toBe("unknown");
  });

  it("reports a hung call as unknown within the call timeout", async () => {
    emu.faults.add({ service: "arm", path: /workspaces\/[^/]+$/i, hang: true });
    const started = Date.now();
    const r = await monitorFor(emu, { CALL_TIMEOUT_SECONDS: "2" }).runAll();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(byCheck(r, "workspace.exists").status).toBe("unknown");
    expect(byCheck(r, "workspace.exists").summary).toMatch(/timed out after 2 s/);
    expect(byCheck(r, "dcr.exists").status).toBe("ok");
  });

  it("ends every Log Analytics query at the call timeout, the rotation's sign-in query too", async () => {
    // LogsQueryClient ignores abortSignal: each query must go through the adapter that enforces it.
    emu.faults.add({ service: "logs", hang: true });
    const started = Date.now();
    const r = await monitorFor(emu, { CALL_TIMEOUT_SECONDS: "2" }).runAll();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(byCheck(r, "rotation.cutover").status).toBe("unknown");
    expect(byCheck(r, "rotation.cutover").summary).toMatch(/timed out after 2 s/);
    expect(byCheck(r, "ingestion.freshness").status).toBe("unknown");
  });

  it("reports a malformed reply as unknown", async () => {
    emu.faults.add({ service: "arm", path: /dataCollectionRules\//i, malformed: true });
    const r = await monitorFor(emu).runAll();
    expect(byCheck(r, "dcr.exists").status).toBe("unknown");
    expect(byCheck(r, "dcr.stream").status).toBe("unknown");
    expect(r.findings.filter((x) => x.status === "problem")).toEqual([]);
  });

  it("reports a token endpoint outage as unknown everywhere, not missing", async () => {
    emu.faults.add({ service: "token", status: 503, retryAfterMs: 10 });
    const r = await monitorFor(emu, { CALL_TIMEOUT_SECONDS: "3" }).runAll();
    expect(r.findings.filter((x) => x.status === "problem")).toEqual([]);
    expect(byCheck(r, "dcr.exists").status).toBe("unknown");
  });

  it("follows role assignment paging and inherited roles", async () => {
    emu.applyScenario("role-inherited");
    const r = await monitorFor(emu).runAll();
    expect(byCheck(r, "role.assignment").status).toBe("ok");
    expect(byCheck(r, "role.assignment").summary).toMatch(/inherited/);
  });

  it("names the role that does not grant ingestion", async () => {
    emu.applyScenario("role-wrong");
    const r = await monitorFor(emu).runAll();
    expect(byCheck(r, "role.assignment").summary).toContain("Log Analytics Contributor");
    // Least privilege: role assignments are read only at scopes the template grants the monitor.
    const scopes = emu.calls
      .filter((c) => /\/providers\/Microsoft\.Authorization\/roleAssignments$/i.test(c.path))
      .map((c) => c.path.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments$/i, "").toLowerCase());
    expect([...new Set(scopes)].sort()).toEqual(
      [emu.settings["KEEPER_DCR_RESOURCE_ID"]!, emu.settings["KEEPER_WORKSPACE_RESOURCE_ID"]!]
        .map((x) => x.toLowerCase())
        .sort(),
    );
  });

  it("runs within the roles infra/azuredeploy.json grants, and reads a role taken away as unknown naming it", async () => {
    expect(emu.monitorGrants?.length).toBeGreaterThan(0);
    const grants = emu.monitorGrants!;
    const ws = emu.settings["KEEPER_WORKSPACE_RESOURCE_ID"]!.toLowerCase();
    const i = grants.findIndex((g) => g.scope.toLowerCase() === ws);
    const [removed] = grants.splice(i, 1);
    try {
      const r = await monitorFor(emu).runDriftChecks();
      expect(byCheck(r, "workspace.exists").status).toBe("unknown");
      expect(byCheck(r, "workspace.exists").summary).toContain("403 AuthorizationFailed");
      expect(byCheck(r, "dcr.exists").status).toBe("ok");
    } finally {
      grants.splice(i, 0, removed!);
    }
  });

  it("leaves the hint out, and still names the missing role, when the workspace's assignments may not be read", async () => {
    emu.applyScenario("role-wrong");
    emu.state.monitorDenied.add(emu.settings["KEEPER_WORKSPACE_RESOURCE_ID"]!);
    const f = byCheck(await monitorFor(emu).runAll(), "role.assignment");
    expect(f.status).toBe("problem");
    // the hint is left out; who removed the role still comes from the Activity Log
    expect(f.summary).toMatch(
      /^The Keeper app holds no role on the DCR: Keeper's pushes get 403\. Removed by alice@contoso\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC, from the Azure portal\.$/,
    );
  });
});

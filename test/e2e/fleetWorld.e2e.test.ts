import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fleetWorkspaceIds, storeAppSecret, type Emulator } from "../../emulator/index.js";
import { IDS } from "../../emulator/constants.js";
import { createFleet } from "../../src/app/fleet.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import { startTrustedEmulator } from "./harness.js";
import { mapLimit } from "../../src/core/mapLimit.js";

describe("a world of many Keeper connectors (emulator fleet option)", () => {
  let emu: Emulator;
  let healthy: Emulator;
  const fleet = { connectors: 7, perWorkspace: 3, historyDays: 14 };
  beforeAll(async () => {
    // no monitorGrants: the template grants name one DCR and one DCE, the healthy world's
    emu = await startTrustedEmulator({ fleet, monitorGrants: undefined });
    healthy = await startTrustedEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
    await healthy?.stop();
  });

  const envFor = (e: Emulator, workspaces: string[]): Record<string, string> => {
    const env: Record<string, string> = {
      // the machine may be shared: generous, so that a slow reply is not an "unknown"
      CALL_TIMEOUT_SECONDS: "15",
      RUN_BUDGET_SECONDS: "45",
      ...e.settings,
      AzureWebJobsStorage: inject("tablesConnection"),
    };
    for (const name of DISCOVERABLE_SETTINGS) delete env[name];
    return { ...env, KEEPER_WORKSPACE_RESOURCE_ID: workspaces.join(",") };
  };

  it("the default world keeps its one Keeper connector and one workspace with tables", () => {
    const keeper = healthy.state.dataConnectors.filter((c) => c.kind === "Push" && c.name.startsWith("Keeper"));
    expect(keeper).toHaveLength(1);
    expect(healthy.state.workspaceTables).toBeUndefined();
    expect(fleetWorkspaceIds(healthy.state, { connectors: 1 })).toEqual([IDS.workspace]);
  });

  it("N connectors over ceil(N / perWorkspace) workspaces, each found with its own DCR, DCE, table and app, all ok", async () => {
    const workspaces = fleetWorkspaceIds(emu.state, fleet);
    expect(workspaces).toHaveLength(3);
    expect(workspaces[0]).toBe(IDS.workspace);
    const f = createFleet({ env: envFor(emu, workspaces) });
    const before = emu.calls.length;
    const targets = await f.load();
    expect(targets).toHaveLength(fleet.connectors);
    // the three workspaces share a subscription: its DCRs are listed once (its first page) for all
    const firstPages = emu.calls
      .slice(before)
      .filter(
        (c) => /\/providers\/Microsoft\.Insights\/dataCollectionRules$/i.test(c.path) && !/skiptoken/i.test(c.query),
      );
    expect(firstPages).toHaveLength(1);
    expect(f.several()).toBe(true);
    const configs = targets.map((t) => t.app.getMonitor().config);
    for (const field of ["appId", "tableName", "dceUri"] as const)
      expect(new Set(configs.map((c) => String(c.keeper[field]))).size).toBe(field === "dceUri" ? 1 : fleet.connectors);
    expect(new Set(configs.map((c) => c.keeper.dcr.id)).size).toBe(fleet.connectors);
    for (const c of configs) storeAppSecret(emu.state, c.keyVault!.secretName, c.keeper.appId);
    const reports = await mapLimit(targets, 4, (t) => t.app.getMonitor().runAll());
    const notOk = reports.flatMap((r) =>
      r.findings.filter((f) => f.status !== "ok").map((f) => `${f.check}: ${f.status} ${f.summary}`),
    );
    expect(notOk).toEqual([]);
    expect(reports.map((r) => r.status)).toEqual(targets.map(() => "ok"));
  }, 90_000);

  it("a further connector breaks on its own: its DCR deleted is its target's problem, not the others'", async () => {
    const workspaces = fleetWorkspaceIds(emu.state, fleet);
    const targets = await createFleet({ env: envFor(emu, workspaces) }).load();
    for (const t of targets) {
      const c = t.app.getMonitor().config;
      storeAppSecret(emu.state, c.keyVault!.secretName, c.keeper.appId);
    }
    const victim = targets[4]!.app.getMonitor().config.keeper.dcr.id;
    const saved = emu.state.resources[victim]!;
    delete emu.state.resources[victim];
    try {
      const reports = await mapLimit(targets, 4, (t) => t.app.getMonitor().runDriftChecks());
      expect(reports.map((r) => r.status)).toEqual(targets.map((_, i) => (i === 4 ? "problem" : "ok")));
    } finally {
      emu.state.resources[victim] = saved;
    }
  }, 90_000);
});

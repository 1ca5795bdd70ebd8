import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { IDS, SUBSCRIPTION_ID } from "../../emulator/constants.js";
import { grantsFromTemplate } from "../../emulator/rbac.js";
import { createApp } from "../../src/app/compose.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import type { Report } from "../../src/report/report.js";
import { monitorFor, startTrustedEmulator } from "./harness.js";

/**
 * The monitor deployed for several workspaces (keeperWorkspaceResourceIds): the emulator enforces
 * what infra/azuredeploy.json then grants (the workspace roles, and reads of the DCR and DCE on the
 * workspace's resource group, not on the DCR itself), and the monitor, with only the workspace set,
 * finds its connector and runs every check as with one connector's grants.
 */
const listGrants = () =>
  grantsFromTemplate(JSON.parse(readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8")), {
    parameters: {
      environmentName: "test",
      keeperWorkspaceResourceIds: [
        IDS.workspace,
        "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-emea",
      ],
    },
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroup: "rg-keeper-monitor",
  });

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator({ monitorGrants: listGrants() });
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
});

/** The emulator's settings with the workspace only, as the template sets them for several workspaces. */
function workspaceOnly(): Record<string, string> {
  const env: Record<string, string> = { CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...emu.settings };
  for (const name of DISCOVERABLE_SETTINGS) delete env[name];
  return env;
}

const shape = (r: Report) => r.findings.map((f) => ({ check: f.check, status: f.status, summary: f.summary }));

describe("the grants for several workspaces, enforced", () => {
  it("let discovery find the connector: the subscription's DCR list is refused, the solution's DCR is read instead", async () => {
    const app = createApp({ env: workspaceOnly() });
    await app.load();
    const k = app.getMonitor().config.keeper;
    expect({ dcr: k.dcr.id, source: k.sources.dcrId }).toEqual({ dcr: IDS.dcr, source: "sentinel" });
    const list = emu.calls.filter((c) =>
      /\/subscriptions\/[^/]+\/providers\/Microsoft\.Insights\/dataCollectionRules$/i.test(c.path),
    );
    expect(list.map((c) => c.status)).toEqual([403]);
  });

  it.each(["healthy", "dcr-deleted", "dce-deleted", "role-removed"])(
    "let every check read what it reads (%s): the findings of explicit settings, nothing unknown for lack of a role",
    async (scenario) => {
      emu.applyScenario(scenario);
      const explicit = await monitorFor(emu).runDriftChecks();
      const app = createApp({ env: workspaceOnly() });
      await app.load();
      const found = await app.getMonitor().runDriftChecks();
      expect(shape(found)).toEqual(shape(explicit));
      expect(found.findings.filter((f) => /AuthorizationFailed|may not/.test(f.summary)).map((f) => f.check)).toEqual(
        [],
      );
    },
  );

  it("let the ingestion diagnosis read the DCR's metrics when Keeper has stopped", async () => {
    emu.applyScenario("keeper-stopped");
    const app = createApp({ env: workspaceOnly() });
    await app.load();
    emu.resetCalls();
    await app.getMonitor().runIngestionWatch();
    const metrics = emu.calls.filter((c) => /providers\/Microsoft\.Insights\/metrics$/i.test(c.path));
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.filter((c) => c.status !== 200).map((c) => `${c.status} ${c.path}`)).toEqual([]);
  });
});

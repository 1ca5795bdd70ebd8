import { describe, expect, it } from "vitest";
import {
  DCR_IMMUTABLE_ID,
  IDS,
  KEEPER_APP_ID,
  MONITOR_SP_ID,
  STREAM_NAME,
  TABLE_NAME,
  TENANT_ID,
} from "../../emulator/constants.js";
import { buildKeeperConnector } from "../../emulator/state.js";
import { createApp } from "../../src/app/compose.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import { ConfigError, DiscoveryError } from "../../src/config/loadConfig.js";
import type { Report } from "../../src/report/report.js";
import { cliRun as cli, leaks, monitorFor, sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();

/** The emulator's settings without the connector's values: the workspace, the cloud, the monitor's identity. */
function workspaceOnly(overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...emulator().settings };
  for (const name of DISCOVERABLE_SETTINGS) delete env[name];
  return { ...env, ...overrides };
}

async function discoveredMonitor(env: Record<string, string>) {
  const app = createApp({ env });
  await app.load();
  return app.getMonitor();
}

/** What a run found, without the times: check, status, severity, resource, summary. */
const shape = (r: Report) =>
  r.findings.map((f) => ({
    check: f.check,
    status: f.status,
    severity: f.severity,
    resource: f.resource,
    summary: f.summary,
  }));

const KEEPER_RECORD_ID = buildKeeperConnector("https://x").id;
const keeperRecord = () => emulator().state.dataConnectors.find((c) => c.id === KEEPER_RECORD_ID)!;

describe("discovery: the workspace alone", () => {
  it("finds every connector value from Sentinel's record, the DCR and the monitor's token", async () => {
    const m = await discoveredMonitor(workspaceOnly());
    const k = m.config.keeper;
    expect({
      tenantId: k.tenantId,
      appId: k.appId,
      dcr: k.dcr.id,
      dcrImmutableId: k.dcrImmutableId,
      dceUri: k.dceUri,
      streamName: k.streamName,
      tableName: k.tableName,
    }).toEqual({
      tenantId: TENANT_ID,
      appId: KEEPER_APP_ID,
      dcr: IDS.dcr,
      dcrImmutableId: DCR_IMMUTABLE_ID,
      dceUri: emulator().url,
      streamName: STREAM_NAME,
      tableName: TABLE_NAME,
    });
    expect(k.sources).toEqual({
      tenantId: "monitor",
      appId: "sentinel",
      dcrId: "sentinel",
      dcrImmutableId: "sentinel",
      dceUri: "sentinel",
      streamName: "sentinel",
      tableName: "sentinel",
    });
    // the Keeper record is on the second page of the emulator's connectors (two a page)
    const reads = emulator().calls.filter((c) => /dataConnectors/i.test(c.path));
    expect(reads.length).toBe(2);
  });

  it.each(["healthy", "dcr-deleted", "dcr-recreated", "dce-deleted", "role-removed"])(
    "gives the findings explicit settings give (%s)",
    async (scenario) => {
      emulator().applyScenario(scenario);
      const explicit = await monitorFor(emulator()).runDriftChecks();
      const found = await (await discoveredMonitor(workspaceOnly())).runDriftChecks();
      expect(shape(found)).toEqual(shape(explicit));
      expect(found.status).toBe(explicit.status);
      expect(found.target.sources?.appId).toBe("sentinel");
    },
  );

  it("says where the DCR came from when the record's DCR is gone, and warns", async () => {
    emulator().applyScenario("dcr-deleted");
    const report = await (await discoveredMonitor(workspaceOnly())).runDriftChecks();
    expect(report.findings.find((f) => f.check === "dcr.exists")?.status).toBe("problem");
    expect(report.target.sources?.dcrId).toBe("default");
    expect(report.target.sources?.dcrImmutableId).toBe("sentinel");
    expect(report.target.discoveryWarnings?.join(" ")).toMatch(/KEEPER_DCR_RESOURCE_ID/);
    const r = await cli(workspaceOnly(), ["check"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /Found in Sentinel's connector record, to know:\n {2}- could not list the subscription's DCRs/,
    );
  });

  it("finds the DCR by its immutable id in the subscription's list when the monitor may list", async () => {
    // a DCR with another name holds the record's immutable id; the solution's name is gone
    const s = emulator().state;
    const dcr = s.resources[IDS.dcr]!;
    delete s.resources[IDS.dcr];
    const renamed = `${IDS.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/keeper-by-hand`;
    s.resources[renamed] = { ...dcr, id: renamed, name: "keeper-by-hand" };
    // other DCRs first, so that the match is on a later page (two a page)
    for (const n of ["other-1", "other-2", "other-3"]) {
      const id = `${IDS.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/${n}`;
      const other = structuredClone(dcr);
      other.properties["immutableId"] = `dcr-${n.replace("other-", "").repeat(32)}`;
      s.resources = { [id]: { ...other, id, name: n }, ...s.resources };
    }
    emulator().monitorGrants!.push({
      scope: IDS.subscription,
      role: "Monitoring Reader",
      actions: ["Microsoft.Insights/dataCollectionRules/read"],
      notActions: [],
    });
    try {
      const m = await discoveredMonitor(workspaceOnly());
      expect(m.config.keeper.dcr.id).toBe(renamed);
      expect(m.config.keeper.sources.dcrId).toBe("sentinel");
      expect(
        emulator().calls.filter((c) => /\/providers\/Microsoft\.Insights\/dataCollectionRules$/i.test(c.path)).length,
      ).toBe(2);
    } finally {
      emulator().monitorGrants!.pop();
    }
  });

  it("looks up once per process; a failed lookup is tried again by the next invocation", async () => {
    const keeper = keeperRecord();
    emulator().state.dataConnectors = [];
    const app = createApp({ env: workspaceOnly() });
    await app.load();
    expect(() => app.getMonitor()).toThrow(DiscoveryError);
    emulator().state.dataConnectors = [keeper];
    await app.load();
    const m = app.getMonitor();
    expect(m.config.keeper.appId).toBe(KEEPER_APP_ID);
    await app.load();
    await app.load();
    expect(app.getMonitor()).toBe(m);
    expect(emulator().calls.filter((c) => /dataConnectors/i.test(c.path)).length).toBe(2);
  });

  it("reads a DCR that is set only for its table, and not at all when the table is set too", async () => {
    const reads = () => emulator().calls.filter((c) => c.path.toLowerCase() === IDS.dcr.toLowerCase()).length;
    const m = await discoveredMonitor(workspaceOnly({ KEEPER_DCR_RESOURCE_ID: IDS.dcr }));
    expect(m.config.keeper.tableName).toBe(TABLE_NAME);
    expect(m.config.keeper.sources).toMatchObject({ dcrId: "setting", tableName: "sentinel" });
    expect(reads()).toBe(1);
    await discoveredMonitor(workspaceOnly({ KEEPER_DCR_RESOURCE_ID: IDS.dcr, KEEPER_TABLE_NAME: TABLE_NAME }));
    expect(reads()).toBe(1);
  });

  it("keeps every setting that is set: settings win", async () => {
    const otherApp = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const m = await discoveredMonitor(workspaceOnly({ KEEPER_APP_ID: otherApp, KEEPER_TABLE_NAME: "Other_CL" }));
    expect(m.config.keeper.appId).toBe(otherApp);
    expect(m.config.keeper.tableName).toBe("Other_CL");
    expect(m.config.keeper.sources).toMatchObject({
      appId: "setting",
      tableName: "setting",
      dcrImmutableId: "sentinel",
    });
  });

  it("does not look anything up when every value is set", async () => {
    const m = await discoveredMonitor({ ...emulator().settings });
    expect(emulator().calls.some((c) => /dataConnectors/i.test(c.path))).toBe(false);
    expect(m.config.discovery).toBeUndefined();
    expect(Object.values(m.config.keeper.sources).every((s) => s === "setting" || s === "default")).toBe(true);
  });

  it("a hand-made connector without Sentinel's record still works with settings", async () => {
    emulator().state.dataConnectors = [];
    const report = await monitorFor(emulator()).runDriftChecks();
    expect(report.status).toBe("ok");
  });

  it("uses the first of several Keeper connectors and says so", async () => {
    const second = { ...structuredClone(keeperRecord()), name: "KeeperSecurityPushConnectorPollingSecond" };
    second.id = second.id.replace(/[^/]+$/, second.name);
    emulator().state.dataConnectors.push(second);
    const m = await discoveredMonitor(workspaceOnly());
    expect(m.config.discovery?.connectorName).toBe(keeperRecord().name);
    expect(m.config.discovery?.warnings.join(" ")).toMatch(/2 Keeper connectors.*only the first/);
  });
});

describe("discovery: refused and malformed", () => {
  it("a 403 names the role, the monitor's principal id and the settings to set instead", async () => {
    emulator().state.monitorDenied.add(`${IDS.workspace}/providers/Microsoft.SecurityInsights`);
    const e = await discoveredMonitor(workspaceOnly()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DiscoveryError);
    expect(e).toBeInstanceOf(ConfigError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/Microsoft Sentinel Reader/);
    expect(msg).toContain(MONITOR_SP_ID);
    expect(msg).toMatch(/403 AuthorizationFailed/);
    expect(msg).toMatch(
      /or set KEEPER_APP_ID, KEEPER_DCR_RESOURCE_ID, KEEPER_DCR_IMMUTABLE_ID, KEEPER_DCE_URI and KEEPER_TENANT_ID$/,
    );
    expect(msg).toContain(
      `az role assignment create --assignee-object-id ${MONITOR_SP_ID} --assignee-principal-type ServicePrincipal --role "Microsoft Sentinel Reader" --scope ${IDS.workspace}`,
    );
  });

  it("names only the settings that are not set", async () => {
    emulator().state.monitorDenied.add(`${IDS.workspace}/providers/Microsoft.SecurityInsights`);
    const e = (await discoveredMonitor({ ...emulator().settings, KEEPER_APP_ID: "" }).catch(
      (x: unknown) => x,
    )) as Error;
    expect(e).toBeInstanceOf(DiscoveryError);
    expect(e.message).toMatch(/; or set KEEPER_APP_ID$/);
  });

  it("no Keeper connector in the workspace: says so and what to set", async () => {
    emulator().state.dataConnectors = emulator().state.dataConnectors.filter((c) => c.id !== KEEPER_RECORD_ID);
    const e = (await discoveredMonitor(workspaceOnly()).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(DiscoveryError);
    expect(e.message).toMatch(/no Keeper connector \(kind Push, definition KeeperSecurityPush2\)/);
  });

  it.each([
    ["missing dcrConfig", (p: Record<string, any>) => delete p["dcrConfig"], /dataCollectionRuleImmutableId is not/],
    ["missing auth", (p: Record<string, any>) => delete p["auth"], /AppId is not a GUID \(absent\)/],
    [
      "a huge endpoint",
      (p: Record<string, any>) => (p["dcrConfig"].dataCollectionEndpoint = "https://" + "a".repeat(200_000) + ".com"),
      /dataCollectionEndpoint is not an https/,
    ],
    [
      "control characters",
      (p: Record<string, any>) => (p["auth"].AppId = "\u001b[31mnot-a-guid\u0007\r\nFAKE: ok"),
      /AppId is not a GUID/,
    ],
    [
      "a number for a stream",
      (p: Record<string, any>) => (p["dcrConfig"].streamName = 42),
      /streamName is not a Custom-… stream \(number\)/,
    ],
    [
      "a path in the endpoint",
      (p: Record<string, any>) => (p["dcrConfig"].dataCollectionEndpoint = "https://evil.example/x?sig=abc"),
      /dataCollectionEndpoint is not an https/,
    ],
  ])("a record with %s is a clear error, no crash", async (_name, mutate, why) => {
    mutate(keeperRecord().properties);
    const e = (await discoveredMonitor(workspaceOnly()).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(DiscoveryError);
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/cannot be used/);
    expect(e.message.length).toBeLessThan(2000);
    // eslint-disable-next-line no-control-regex
    expect(e.message.replace(/\n {2}- /g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });

  it.each([
    ["not JSON", { malformed: true }, /malformed reply: data connectors: the body is not JSON/],
    ["not a list", { body: { value: "x" } }, /malformed reply: data connectors: value is not an array/],
    ["over 16 MB", { oversizeBytes: 17 * 1024 * 1024 }, /reply larger than 16 MB/],
    [
      "a nextLink off the Resource Manager endpoint",
      { body: { value: [], nextLink: "https://evil.example/steal" } },
      /nextLink points off the Resource Manager endpoint/,
    ],
  ])("a reply that is %s is a clear error", async (_name, fault, why) => {
    emulator().faults.add({ service: "arm", path: /dataConnectors/i, ...fault });
    const e = (await discoveredMonitor(workspaceOnly()).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(DiscoveryError);
    expect(e.message).toMatch(why);
    expect(emulator().calls.some((c) => !c.path.startsWith("/subscriptions") && /steal/.test(c.path))).toBe(false);
  });
});

describe("keeper-monitor discover", () => {
  it("prints each value, where it came from, and the Endpoint URL", async () => {
    const r = await cli(workspaceOnly(), ["discover"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Keeper connector ${keeperRecord().name} found in Sentinel`);
    expect(r.stdout).toMatch(new RegExp(`Keeper app id\\s+${KEEPER_APP_ID}\\s+\\(sentinel; setting KEEPER_APP_ID\\)`));
    expect(r.stdout).toMatch(new RegExp(`tenant\\s+${TENANT_ID}\\s+\\(monitor; setting KEEPER_TENANT_ID\\)`));
    expect(r.stdout).toContain(
      `Endpoint URL: ${emulator().url}/dataCollectionRules/${DCR_IMMUTABLE_ID}/streams/${STREAM_NAME}?api-version=2023-01-01`,
    );
    expect(leaks(emulator(), r.stdout + r.stderr)).toEqual([]);
  });

  it("--json prints the values with their sources", async () => {
    const r = await cli(workspaceOnly({ KEEPER_APP_ID: KEEPER_APP_ID }), ["discover", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      values: Record<string, { value: string; source: string }>;
      endpointUrl: string;
    };
    expect(out.values["appId"]).toEqual({ value: KEEPER_APP_ID, source: "setting" });
    expect(out.values["dcrId"]).toEqual({ value: IDS.dcr, source: "sentinel" });
    expect(out.endpointUrl).toContain(DCR_IMMUTABLE_ID);
  });

  it("exits 2 with the reason when nothing is found", async () => {
    emulator().state.dataConnectors = [];
    const r = await cli(workspaceOnly(), ["discover"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Could not find the Keeper connector's settings/);
    expect(r.stderr).toMatch(/no Keeper connector/);
  });

  it("exits 2 on a 403, naming the role and the monitor's principal id", async () => {
    emulator().state.monitorDenied.add(`${IDS.workspace}/providers/Microsoft.SecurityInsights`);
    const r = await cli(workspaceOnly(), ["discover"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Microsoft Sentinel Reader/);
    expect(r.stderr).toContain(MONITOR_SP_ID);
  });

  it("help discover and discover --help print its usage", async () => {
    for (const argv of [
      ["help", "discover"],
      ["discover", "--help"],
    ]) {
      const r = await cli({}, argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: keeper-monitor discover \[--json\]/);
    }
    expect((await cli({}, ["discover", "--nope"])).code).toBe(2);
  });
});

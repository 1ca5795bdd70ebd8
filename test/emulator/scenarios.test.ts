import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SCENARIOS, type Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { getJson, startTrusted } from "./helpers.js";
import { loadConfig } from "../../src/config/loadConfig.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrusted();
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
});

const keeperRows = () => emu.state.tables[ids.TABLE_NAME]?.rows.length ?? 0;

describe("settings", () => {
  it("has exactly the documented keys", () => {
    expect(Object.keys(emu.settings).sort()).toEqual([
      "AZURE_AUTHORITY_HOST",
      "AZURE_CLIENT_ID",
      "AZURE_CLIENT_SECRET",
      "AZURE_CLOUD",
      "AZURE_RESOURCE_MANAGER_ENDPOINT",
      "AZURE_TENANT_ID",
      "HOLIDAYS",
      "KEEPER_APP_ID",
      "KEEPER_DCE_URI",
      "KEEPER_DCR_IMMUTABLE_ID",
      "KEEPER_DCR_RESOURCE_ID",
      "KEEPER_TENANT_ID",
      "KEEPER_WORKSPACE_RESOURCE_ID",
      "KEY_VAULT_SECRET_NAME",
      "KEY_VAULT_URI",
      "LOG_ANALYTICS_ENDPOINT",
      "MICROSOFT_GRAPH_ENDPOINT",
    ]);
    expect(emu.settings["KEY_VAULT_URI"]).toBe(`${emu.url}/`);
    // the emulated traffic's holidays, told to the monitor the way an engineer would set them
    expect(loadConfig(emu.settings).ingestion.holidays).toEqual(["01-01", "05-01", "12-24", "12-25", "12-26", "12-31"]);
    expect(emu.secrets()).toContain(emu.settings["AZURE_CLIENT_SECRET"]);
  });
});

describe("scenarios", () => {
  it("every scenario applies, and applyScenario resets to healthy in place", () => {
    const state = emu.state;
    for (const s of SCENARIOS) {
      emu.applyScenario(s.name);
      expect(emu.state).toBe(state);
      expect(s.description.length).toBeGreaterThan(10);
    }
    expect(() => emu.applyScenario("nope")).toThrow(/Unknown scenario/);
    emu.applyScenario("healthy");
    expect(emu.state.resources[ids.IDS.dcr]).toBeTruthy();
  });

  it("every scenario other than the healthy ones changes the state", () => {
    emu.applyScenario("healthy");
    const snap = (e: Emulator) => JSON.stringify({ ...e.state, monitorDenied: [...e.state.monitorDenied] });
    const healthy = snap(emu);
    for (const s of SCENARIOS) {
      emu.applyScenario(s.name);
      if (s.breaks.length > 0) expect(snap(emu), s.name).not.toBe(healthy);
    }
  });
});

describe("Logs Ingestion (Keeper pushes)", () => {
  it("healthy: 204, rows land in the table through the transform, TimeGenerated = now", async () => {
    const before = keeperRows();
    const r = await emu.keeperPush([
      {
        TimeGenerated: "2020-01-01T00:00:00Z",
        audit_event: "login",
        remote_address: "203.0.113.9",
        category: "login",
        client_version: "Web",
        enterprise_id: 42,
        username: "x@example.com",
        timestamp: "2020-01-01T00:00:00Z",
        data: { a: 1 },
      },
    ]);
    expect(r).toMatchObject({ tokenStatus: 200, status: 204 });
    expect(keeperRows()).toBe(before + 1);
    const row = emu.state.tables[ids.TABLE_NAME]!.rows.at(-1)!;
    expect(row).toMatchObject({ AuditEvent: "login", Username: "x@example.com", EnterpriseId: 42, Data: { a: 1 } });
    expect(Math.abs((row["TimeGenerated"] as number) - Date.now())).toBeLessThan(5000);
    expect(emu.state.ingestionCalls.at(-1)).toMatchObject({
      status: 204,
      rowsReceived: 1,
      rowsDropped: 0,
      stream: "Custom-KeeperSecurityEventNewLogs",
    });
    const call = emu.calls.find((c) => c.service === "ingestion");
    expect(call?.path).toBe(`/dataCollectionRules/${ids.DCR_IMMUTABLE_ID}/streams/Custom-KeeperSecurityEventNewLogs`);
  });

  it("role-removed / role-wrong: 403 with the real text; role-inherited works", async () => {
    emu.applyScenario("role-removed");
    const r = await emu.keeperPush();
    expect(r.status).toBe(403);
    expect((r.body as any).error.message).toBe(
      `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${ids.DCR_IMMUTABLE_ID}'.`,
    );
    expect(emu.state.ingestionCalls.at(-1)?.status).toBe(403);
    emu.applyScenario("role-wrong");
    expect((await emu.keeperPush()).status).toBe(403);
    emu.applyScenario("role-inherited");
    expect((await emu.keeperPush()).status).toBe(204);
  });

  it("dcr-recreated: 404 for the old immutable id; expired secret: no token at all", async () => {
    emu.applyScenario("dcr-recreated");
    expect((await emu.keeperPush()).status).toBe(404);
    emu.applyScenario("secret-expired");
    const r = await emu.keeperPush();
    expect(r.tokenStatus).toBe(401);
    expect((r.tokenError as any).error_codes).toEqual([7000222]);
    expect(emu.state.ingestionCalls).toHaveLength(0);
  });

  it("dce-deleted / dce-endpoint-changed: the old host does not answer", async () => {
    for (const name of ["dce-deleted", "dce-endpoint-changed"]) {
      emu.applyScenario(name);
      const r = await emu.keeperPush();
      expect(r.tokenStatus).toBe(200);
      expect(r.status, name).toBe(0);
    }
  });

  it("data-flow drift: 204 but rows never reach the table", async () => {
    for (const name of ["dcr-destination-changed", "dcr-output-stream-changed"]) {
      emu.applyScenario(name);
      const before = keeperRows();
      expect((await emu.keeperPush()).status).toBe(204);
      expect(keeperRows(), name).toBe(before);
      expect(emu.state.ingestionCalls.at(-1)?.rowsDropped).toBe(2);
    }
  });

  it("dcr-transform-changed: rows land without Username", async () => {
    emu.applyScenario("dcr-transform-changed");
    expect((await emu.keeperPush()).status).toBe(204);
    const row = emu.state.tables[ids.TABLE_NAME]!.rows.at(-1)!;
    expect(row["AuditEvent"]).toBeTruthy();
    expect(row["Username"]).toBeUndefined();
  });

  it("requires the monitor.azure.com audience", async () => {
    const r = await getJson(
      emu,
      `/dataCollectionRules/${ids.DCR_IMMUTABLE_ID}/streams/Custom-KeeperSecurityEventNewLogs?api-version=2023-01-01`,
      undefined,
      { method: "POST", body: "[]" },
    );
    expect(r.status).toBe(401);
  });
});

describe("Teams webhook", () => {
  it("202 and recorded with the right sig; 401 with a wrong one", async () => {
    const card = {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: { type: "AdaptiveCard", version: "1.4", body: [] },
        },
      ],
    };
    const ok = await fetch(emu.teamsWebhookUrl, {
      method: "POST",
      body: JSON.stringify(card),
      headers: { "Content-Type": "application/json" },
    });
    expect(ok.status).toBe(202);
    expect(emu.state.teamsMessages).toHaveLength(1);
    const bad = await fetch(emu.teamsWebhookUrl.replace(/sig=[^&]+/, "sig=wrong"), { method: "POST", body: "{}" });
    expect(bad.status).toBe(401);
    expect(emu.secrets()).toContain(emu.state.teams.sig);
  });
});

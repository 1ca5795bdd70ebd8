import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ConfigError } from "../../src/config/loadConfig.js";
import { monitorFor, startTrustedEmulator } from "./harness.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu?.stop();
});

/** The public cloud, with the emulator's Custom endpoints unset (empty counts as unset). */
const publicCloud = {
  AZURE_CLOUD: "AzureCloud",
  AZURE_AUTHORITY_HOST: "",
  AZURE_RESOURCE_MANAGER_ENDPOINT: "",
  MICROSOFT_GRAPH_ENDPOINT: "",
  LOG_ANALYTICS_ENDPOINT: "",
};

describe("a refused setting stops the monitor before anything is sent", () => {
  const cases: Array<[string, (e: Emulator) => Record<string, string>]> = [
    ["KEEPER_DCR_RESOURCE_ID", (e) => ({ KEEPER_DCR_RESOURCE_ID: `${e.settings["KEEPER_DCR_RESOURCE_ID"]}?x=1` })],
    ["KEEPER_DCR_RESOURCE_ID", (e) => ({ KEEPER_DCR_RESOURCE_ID: `${e.settings["KEEPER_DCR_RESOURCE_ID"]}#x` })],
    ["KEEPER_DCR_RESOURCE_ID", (e) => ({ KEEPER_DCR_RESOURCE_ID: `${e.settings["KEEPER_DCR_RESOURCE_ID"]} x` })],
    // the emulator stands for the foreign host: a vault URI outside .vault.azure.net under AzureCloud
    ["KEY_VAULT_URI", (e) => ({ ...publicCloud, KEY_VAULT_URI: `${e.url}/` })],
    ["MICROSOFT_GRAPH_ENDPOINT", (e) => ({ MICROSOFT_GRAPH_ENDPOINT: `${e.url}/v1.0` })],
    ["LOG_ANALYTICS_ENDPOINT", (e) => ({ LOG_ANALYTICS_ENDPOINT: `${e.url}/v1` })],
    ["KEEPER_DCE_URI", (e) => ({ KEEPER_DCE_URI: `${e.url}/dataCollectionRules` })],
    ["KEEPER_DCE_URI", (e) => ({ KEEPER_DCE_URI: e.url.replace("https://", "https://keeper:pw@") })],
    ["DRIFT_CHECK_SCHEDULE", () => ({ DRIFT_CHECK_SCHEDULE: "* * * * * *" })],
    ["AZURE_AUTHORITY_HOST", (e) => ({ AZURE_AUTHORITY_HOST: e.url.replace("https://", "http://") })],
    ["AZURE_AUTHORITY_HOST", (e) => ({ ...publicCloud, KEY_VAULT_URI: "", AZURE_AUTHORITY_HOST: e.url })],
    [
      "AzureWebJobsStorage",
      () => ({
        AzureWebJobsStorage:
          "DefaultEndpointsProtocol=http;AccountName=stkeeper;AccountKey=<redacted>;TableEndpoint=http://stkeeper.table.example.com;",
      }),
    ],
  ];
  it.each(cases)("%s", (setting, overrides) => {
    emu.resetCalls();
    let error: unknown;
    try {
      monitorFor(emu, overrides(emu));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.setting)).toEqual([setting]);
    expect((error as ConfigError).message).toContain(`${setting}: `);
    expect(emu.calls).toEqual([]);
  });

  it("the same settings, well formed, do reach the emulator (the count can see a call)", async () => {
    emu.resetCalls();
    await monitorFor(emu).runDriftChecks();
    expect(emu.calls.length).toBeGreaterThan(0);
  });
});

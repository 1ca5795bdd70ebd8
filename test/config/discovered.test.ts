import { describe, expect, it } from "vitest";
import type { Discovered } from "../../src/config/discovered.js";
import { ConfigError, discoveryWanted, loadConfig, loadDiscoverySettings } from "../../src/config/loadConfig.js";
import { VALID_ENV } from "./env.js";

const WORKSPACE = { KEEPER_WORKSPACE_RESOURCE_ID: VALID_ENV.KEEPER_WORKSPACE_RESOURCE_ID };

/** What discovery would hand loadConfig for VALID_ENV's connector. */
function found(over: Partial<Discovered["values"]> = {}): Discovered {
  const { KEEPER_WORKSPACE_RESOURCE_ID: _ws, ...values } = VALID_ENV;
  return {
    values: {
      ...values,
      KEEPER_STREAM_NAME: "Custom-KeeperSecurityEventNewLogs",
      KEEPER_TABLE_NAME: "Found_CL",
      ...over,
    },
    sources: {
      KEEPER_TENANT_ID: "monitor",
      KEEPER_APP_ID: "sentinel",
      KEEPER_DCR_RESOURCE_ID: "default",
      KEEPER_DCR_IMMUTABLE_ID: "sentinel",
      KEEPER_DCE_URI: "sentinel",
      KEEPER_STREAM_NAME: "sentinel",
      KEEPER_TABLE_NAME: "sentinel",
    },
    connectorName: "KeeperSecurityPushConnectorPolling1",
    warnings: ["w"],
  };
}

describe("discoveryWanted", () => {
  it.each([
    [{}, false],
    [WORKSPACE, true],
    [VALID_ENV, false],
    [{ ...VALID_ENV, KEEPER_APP_ID: " " }, true],
    [{ ...VALID_ENV, KEEPER_WORKSPACE_RESOURCE_ID: "" }, false],
  ])("%j → %s", (env, want) => {
    expect(discoveryWanted(env)).toBe(want);
  });
});

describe("loadConfig with found values", () => {
  it("fills what is unset and says where each value came from", () => {
    const c = loadConfig(WORKSPACE, found());
    expect(c.keeper.appId).toBe(VALID_ENV.KEEPER_APP_ID);
    expect(c.keeper.tableName).toBe("Found_CL");
    expect(c.keeper.sources).toEqual({
      tenantId: "monitor",
      appId: "sentinel",
      dcrId: "default",
      dcrImmutableId: "sentinel",
      dceUri: "sentinel",
      streamName: "sentinel",
      tableName: "sentinel",
    });
    expect(c.discovery).toEqual({ connectorName: "KeeperSecurityPushConnectorPolling1", warnings: ["w"] });
  });

  it("a setting that is set wins", () => {
    const app = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const c = loadConfig({ ...WORKSPACE, KEEPER_APP_ID: app }, found());
    expect(c.keeper.appId).toBe(app);
    expect(c.keeper.sources.appId).toBe("setting");
  });

  it("without discovery every value is a setting or a default", () => {
    const c = loadConfig(VALID_ENV);
    expect(c.discovery).toBeUndefined();
    expect(c.keeper.sources).toMatchObject({ appId: "setting", streamName: "default", tableName: "default" });
  });

  it("a found value that does not fit names the setting and where it came from", () => {
    let e: unknown;
    try {
      loadConfig(WORKSPACE, found({ KEEPER_TABLE_NAME: "bad table" }));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([
      {
        setting: "KEEPER_TABLE_NAME",
        message: expect.stringMatching(
          /not a custom table name.*\(the value was found in Sentinel's connector record KeeperSecurityPushConnectorPolling1; set KEEPER_TABLE_NAME instead\)$/,
        ) as string,
      },
    ]);
  });
});

describe("loadDiscoverySettings", () => {
  it("reads the workspace, the cloud and the identity, and a DCR id only when set", () => {
    const s = loadDiscoverySettings(WORKSPACE);
    expect(s.workspace.name).toBe("law-sentinel");
    expect(s.dcr).toBeUndefined();
    expect(s.cloud.resourceManagerEndpoint).toBe("https://management.azure.com");
    expect(
      loadDiscoverySettings({ ...WORKSPACE, KEEPER_DCR_RESOURCE_ID: VALID_ENV.KEEPER_DCR_RESOURCE_ID }).dcr?.name,
    ).toBe("KeeperSecurityEventLogs_DCR");
  });
  it("names each bad setting it needs", () => {
    expect(() => loadDiscoverySettings({ ...WORKSPACE, AZURE_CLOUD: "Mars", KEEPER_DCR_RESOURCE_ID: "x" })).toThrow(
      /AZURE_CLOUD[\s\S]*KEEPER_DCR_RESOURCE_ID|KEEPER_DCR_RESOURCE_ID[\s\S]*AZURE_CLOUD/,
    );
  });
});

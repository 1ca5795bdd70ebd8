import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tableOf } from "../../src/app/discover.js";
import { MalformedReplyError } from "../../src/azure/errors.js";
import { toConnectorPage } from "../../src/azure/sentinel.js";
import type { Dcr } from "../../src/connector/types.js";
import { buildKeeperConnector } from "../../emulator/state.js";
import { extraPaths } from "../contract/paths.js";

const official = (name: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../fixtures/official/${name}`, import.meta.url), "utf8")) as { body: unknown })
    .body;

/** The Keeper solution's record with its placeholders filled in as Sentinel does when it is connected. */
function connected(): Record<string, any> {
  const r = structuredClone(official("sentinel-keeper-connector.json")) as Record<string, any>;
  r["properties"].dcrConfig.dataCollectionEndpoint = "https://law-sentinel-a1b2.westeurope-1.ingest.monitor.azure.com";
  r["properties"].dcrConfig.dataCollectionRuleImmutableId = "dcr-df6d57b84a35d1d9ad7456fbd986a5cd";
  r["properties"].auth.AppId = "6897D2C6-CA50-46D5-8972-5EFC9562512E";
  r["properties"].auth.ServicePrincipalId = "89d3ca57-1cd6-4b86-a60d-b3f87f2201d2";
  return r;
}

describe("toConnectorPage", () => {
  it("finds no Keeper connector among the official example's connectors", () => {
    const list = official("arm/DataConnectorsList.json") as { value: unknown[] };
    expect(list.value.length).toBe(4);
    expect(toConnectorPage(list)).toEqual({ records: [], malformed: [] });
  });

  it("maps a connected Keeper record (PascalCase auth, the DCE as an origin)", () => {
    const page = toConnectorPage({ value: [connected()], nextLink: "https://management.azure.com/next" });
    expect(page).toEqual({
      records: [
        {
          name: "KeeperSecurityPushConnectorPolling",
          appId: "6897d2c6-ca50-46d5-8972-5efc9562512e",
          servicePrincipalId: "89d3ca57-1cd6-4b86-a60d-b3f87f2201d2",
          dcrImmutableId: "dcr-df6d57b84a35d1d9ad7456fbd986a5cd",
          dceUri: "https://law-sentinel-a1b2.westeurope-1.ingest.monitor.azure.com",
          streamName: "Custom-KeeperSecurityEventNewLogs",
        },
      ],
      malformed: [],
      nextLink: "https://management.azure.com/next",
    });
  });

  it("reads camelCase auth fields too", () => {
    const r = connected();
    r["properties"].auth = { type: "Push", appId: "6897d2c6-ca50-46d5-8972-5efc9562512e" };
    expect(toConnectorPage({ value: [r] }).records[0]?.appId).toBe("6897d2c6-ca50-46d5-8972-5efc9562512e");
  });

  it("names every unusable field of the solution's unfilled template", () => {
    const page = toConnectorPage({ value: [official("sentinel-keeper-connector.json")] });
    expect(page.records).toEqual([]);
    expect(page.malformed).toHaveLength(1);
    const line = page.malformed[0]!;
    expect(line).toMatch(/^KeeperSecurityPushConnectorPolling: /);
    expect(line).toContain('properties.auth.AppId is not a GUID ("{{appId}}")');
    expect(line).toContain("dataCollectionRuleImmutableId is not a DCR immutable id");
    expect(line).toContain("dataCollectionEndpoint is not an https://<host> URI");
    expect(line).not.toContain("streamName");
  });

  it.each([
    ["another definition", (r: Record<string, any>) => (r["properties"].connectorDefinitionName = "Other")],
    ["another kind", (r: Record<string, any>) => (r["kind"] = "RestApiPoller")],
    ["no properties", (r: Record<string, any>) => delete r["properties"]],
  ])("ignores a connector with %s", (_n, mutate) => {
    const r = connected();
    mutate(r);
    expect(toConnectorPage({ value: [r, null, 7, "x"] })).toEqual({ records: [], malformed: [] });
  });

  it("bounds Azure-side text and makes control characters visible", () => {
    const r = connected();
    r["name"] = "evil\u001b[2J" + "n".repeat(10_000);
    r["properties"].auth.AppId = "\u0007" + "x".repeat(100_000);
    const line = toConnectorPage({ value: [r] }).malformed[0]!;
    expect(line.length).toBeLessThan(600);
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it.each([[null], [{}], [{ value: {} }], ["[]"]])("refuses a page that is not a list: %j", (body) => {
    expect(() => toConnectorPage(body)).toThrow(MalformedReplyError);
  });
});

describe("the emulator's Keeper record", () => {
  it("has the Keeper solution's shape (and an ARM id and etag, as every listed resource)", () => {
    const ours = buildKeeperConnector("https://127.0.0.1:1");
    expect(extraPaths(ours, official("sentinel-keeper-connector.json"), [".etag"])).toEqual([]);
    expect(toConnectorPage({ value: [ours] }).records).toHaveLength(1);
  });
});

describe("tableOf", () => {
  const dcr = (outputStream: string | undefined, streams = ["Custom-KeeperSecurityEventNewLogs"]): Dcr => ({
    id: "x",
    name: "x",
    streamDeclarations: {},
    logAnalyticsDestinations: [],
    dataFlows: [{ streams, destinations: ["d"], ...(outputStream ? { outputStream } : {}) }],
  });
  it.each([
    ["Custom-KeeperSecurityEventNewLogs_CL", "KeeperSecurityEventNewLogs_CL"],
    ["Microsoft-Syslog", undefined],
    ["Custom-Not a table", undefined],
    [undefined, undefined],
  ])("output stream %s is table %s", (out, table) => {
    expect(tableOf(dcr(out), "Custom-KeeperSecurityEventNewLogs")).toBe(table);
  });
  it("only the data flow of the stream counts", () => {
    expect(tableOf(dcr("Custom-Other_CL", ["Custom-Other"]), "Custom-KeeperSecurityEventNewLogs")).toBeUndefined();
  });
});

/**
 * Contract tests: official example bodies (test/fixtures/official, each with its source) against
 * what our mappers read and what our emulator answers. A field our code reads must be in the
 * official example; a field the emulator sends must be in the example or named in the API's spec
 * (listed below with where the spec defines it).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ids, type Emulator } from "../../emulator/index.js";
import { toCallMinutes } from "../../src/azure/metrics.js";
import { bearer, getJson, startTrusted } from "../emulator/helpers.js";
import { extraPaths, keyPaths } from "./paths.js";

interface Fixture {
  _source: string;
  _note?: string;
  body: unknown;
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/official/${name}`, import.meta.url), "utf8")) as Fixture;

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrusted();
});
afterAll(async () => {
  await emu?.stop();
});

describe("every fixture names its source and holds no sample secret", () => {
  it("extraPaths names each field the example lacks", () => {
    expect(extraPaths({ a: 1, b: [{ c: 2 }] }, { a: 3 }, [])).toEqual([".b", ".b[].c"]);
    expect(extraPaths({ a: 1, b: [{ c: 2 }] }, { a: 3 }, [".b", ".b[].c"])).toEqual([]);
  });

  it.each([
    "metrics-get.json",
    "logs-query.json",
    "keyvault-get-secret.json",
    "keyvault-secret-versions.json",
    "keyvault-set-secret.json",
    "keyvault-update-secret.json",
  ])("%s", (name) => {
    const f = fixture(name);
    expect(f._source).toMatch(/^Azure\/azure-rest-api-specs specification\/\S+\.json/);
    expect(JSON.stringify(f.body)).not.toMatch(/mysecretvalue|skiptoken|eyJ/);
  });
});

describe("Azure Monitor metrics (GetMetric example)", () => {
  const official = fixture("metrics-get.json").body;
  // MetricValue in specification/monitor/resource-manager/Microsoft.Insights/stable/2023-10-01/metrics_API.json
  // defines average, minimum, maximum, total and count; the example asks only the first three.
  const documented = [".value[].timeseries[].data[].count", ".value[].timeseries[].data[].total"];

  it("holds every field toCallMinutes reads", () => {
    const paths = keyPaths(official);
    for (const p of [
      ".value[].name.value",
      ".value[].timeseries[].metadatavalues[].name.value",
      ".value[].timeseries[].metadatavalues[].value",
      ".value[].timeseries[].data[].timeStamp",
    ])
      expect(paths, p).toContain(p);
    // the example's metric is not ours: the mapper says so instead of reading nothing
    expect(() => toCallMinutes(official)).toThrow(/lacks ApiCallReceived_Count/);
  });

  it("the emulator's answer has the example's shape, and toCallMinutes reads it", async () => {
    expect((await emu.keeperPush()).status).toBe(204);
    const q = `metricnames=ApiCallReceived_Count&aggregation=Count&timespan=PT1H&interval=PT1M&$filter=${encodeURIComponent("ResponseCode eq '*'")}&api-version=2023-10-01`;
    const r = await getJson(
      emu,
      `${ids.IDS.dcr}/providers/Microsoft.Insights/metrics?${q}`,
      await bearer(emu, "https://management.azure.com"),
    );
    expect(r.status).toBe(200);
    expect(extraPaths(r.body, official, documented)).toEqual([]);
    const minutes = toCallMinutes(r.body);
    expect(minutes.reduce((s, m) => s + (m.byCode["204"] ?? 0), 0)).toBe(1);
  });
});

describe("Log Analytics query (oms-post example)", () => {
  const official = fixture("logs-query.json").body;

  it("the emulator's answer has the example's shape", async () => {
    const r = await getJson(
      emu,
      `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`,
      await bearer(emu, "https://api.loganalytics.io"),
      { method: "POST", body: JSON.stringify({ query: `${ids.TABLE_NAME} | take 1`, timespan: "P1D" }) },
    );
    expect(r.status).toBe(200);
    expect(extraPaths(r.body, official, [])).toEqual([]);
  });
});

describe("Key Vault secrets (GetSecret, GetSecretVersions examples)", () => {
  // SecretAttributes / SecretBundle / SecretItem in
  // specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.4/secrets.json
  const documented = [
    ".attributes.exp",
    ".attributes.nbf",
    ".attributes.recoverableDays",
    ".attributes.recoveryLevel",
    ".tags",
    ".contentType",
    ".kid",
    ".managed",
  ];
  const tagPaths = (body: unknown) => [...keyPaths(body)].filter((p) => /\.tags\./.test(p));

  it("GET secret: the emulator's answer has the example's shape", async () => {
    const r = await getJson(
      emu,
      `/secrets/${ids.KEY_VAULT_SECRET_NAME}?api-version=7.4`,
      await bearer(emu, "https://vault.azure.net"),
    );
    expect(r.status).toBe(200);
    const extra = extraPaths(r.body, fixture("keyvault-get-secret.json").body, documented);
    expect(extra.filter((p) => !tagPaths(r.body).includes(p))).toEqual([]);
  });

  it("list versions: the emulator's answer has the example's shape", async () => {
    const r = await getJson(
      emu,
      `/secrets/${ids.KEY_VAULT_SECRET_NAME}/versions?api-version=7.4`,
      await bearer(emu, "https://vault.azure.net"),
    );
    expect(r.status).toBe(200);
    const items = documented.map((p) => `.value[]${p}`);
    const extra = extraPaths(r.body, fixture("keyvault-secret-versions.json").body, items);
    expect(extra.filter((p) => !tagPaths(r.body).includes(p))).toEqual([]);
  });

  it("set and update: the emulator's answers have the examples' shapes, and an update carries no value", async () => {
    const vault = await bearer(emu, "https://vault.azure.net");
    const set = await getJson(emu, `/secrets/contract-probe?api-version=7.4`, vault, {
      method: "PUT",
      body: JSON.stringify({ value: "<placeholder>", tags: { appId: ids.KEEPER_APP_ID } }),
    });
    expect(set.status).toBe(200);
    const setExtra = extraPaths(set.body, fixture("keyvault-set-secret.json").body, documented);
    expect(setExtra.filter((p) => !tagPaths(set.body).includes(p))).toEqual([]);
    const version = String(set.body.id).split("/").at(-1);
    const update = await getJson(emu, `/secrets/contract-probe/${version}?api-version=7.4`, vault, {
      method: "PATCH",
      body: JSON.stringify({ attributes: { enabled: false } }),
    });
    expect(update.status).toBe(200);
    expect(update.body.value).toBeUndefined();
    const updExtra = extraPaths(update.body, fixture("keyvault-update-secret.json").body, documented);
    expect(updExtra.filter((p) => !tagPaths(update.body).includes(p))).toEqual([]);
  });
});

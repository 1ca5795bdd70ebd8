/**
 * Contract tests for Microsoft Graph: the official examples (test/fixtures/official, each with its
 * source) through our mappers, and the emulator's answers held to the same shape.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ids, type Emulator } from "../../emulator/index.js";
import { toApplication } from "../../src/azure/graphMappers.js";
import { toAppView, toNewSecret } from "../../src/azure/graphWrite.js";
import { bearer, getJson, startTrusted } from "../emulator/helpers.js";

const official = (name: string): Record<string, unknown> => {
  const f = JSON.parse(readFileSync(new URL(`../fixtures/official/${name}`, import.meta.url), "utf8")) as {
    _source: string;
    body: Record<string, unknown>;
  };
  expect(f._source).toMatch(/^microsoftgraph\/microsoft-graph-docs-contrib api-reference\/v1\.0\/api\/\S+\.md/);
  return f.body;
};
const keys = (o: object) => Object.keys(o).sort();

let emu: Emulator;
let token: string;
beforeAll(async () => {
  emu = await startTrusted();
  token = await bearer(emu, "https://graph.microsoft.com");
});
afterAll(async () => {
  await emu?.stop();
});

describe("Graph application (application-get example)", () => {
  const app = official("graph-application.json");

  it("maps through toApplication and toAppView", () => {
    expect(toApplication(app)).toEqual({
      objectId: "03ef14b0-ca33-4840-8f4f-d6e91916010e",
      appId: "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
      displayName: "Display name",
      passwordCredentials: [],
    });
    expect(toAppView(app)).toMatchObject({ objectId: app["id"], credentials: [] });
  });

  it("the emulator answers the selected properties with the example's keys, and never a secretText", async () => {
    const r = await getJson(
      emu,
      `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')?$select=id,appId,createdDateTime,displayName,passwordCredentials`,
      token,
    );
    expect(r.status).toBe(200);
    expect(keys(r.body).filter((k) => !keys(app).includes(k))).toEqual([]);
    const credentialKeys = keys(official("graph-addpassword.json"));
    for (const c of r.body.passwordCredentials as Array<Record<string, unknown>>) {
      expect(keys(c).filter((k) => !credentialKeys.includes(k))).toEqual([]);
      // passwordCredential resource: secretText is returned only by addPassword
      expect(c["secretText"] ?? null).toBeNull();
    }
    expect(toApplication(r.body).appId).toBe(ids.KEEPER_APP_ID);
  });
});

describe("Graph addPassword (application-addpassword example)", () => {
  const created = official("graph-addpassword.json");

  it("maps through toNewSecret", () => {
    expect(toNewSecret(created)).toEqual({
      keyId: "f0b0b335-1d71-4883-8f98-567911bfdca6",
      secretText: "<redacted>",
      startDateTime: new Date("2019-09-09T19:50:29.3086381Z"),
      endDateTime: new Date("2021-09-09T19:50:29.3086381Z"),
    });
  });

  it("the emulator's answer has the example's keys", async () => {
    emu.applyScenario("healthy");
    const r = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/addPassword`, token, {
      method: "POST",
      body: JSON.stringify({ passwordCredential: { displayName: "contract" } }),
    });
    expect(r.status).toBe(200);
    // the example is marked "truncated": Graph's JSON answers also carry @odata.context
    expect(keys(r.body).filter((k) => !keys(created).includes(k) && k !== "@odata.context")).toEqual([]);
    expect(toNewSecret(r.body).keyId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/**
 * Contract tests for Microsoft Graph: the official examples (test/fixtures/official, each with its
 * source) through our mappers, and the emulator's answers held to the same shape.
 */
import { readFileSync } from "node:fs";
import { GraphHttp } from "../../src/azure/graphClient.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ids, type Emulator } from "../../emulator/index.js";
import { emailChannel } from "../../src/alerts/emailChannel.js";
import { deadline } from "../../src/core/callContext.js";
import { createCredential } from "../../src/azure/credential.js";
import { toApplication, toServicePrincipal } from "../../src/azure/graphMappers.js";
import { toAuditEvent } from "../../src/azure/directoryAudits.js";
import { GraphWriter, toAppView, toNewSecret } from "../../src/azure/graphWrite.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { opened } from "../report/fixtures.js";
import { bearer, getJson, startTrusted } from "../emulator/helpers.js";
import { extraPaths, keyPaths } from "./paths.js";

interface Fixture {
  _source: string;
  _note: string;
  /** the documented response status, for an example whose response has no body */
  status?: number;
  body: Record<string, unknown>;
}
const fixture = (name: string): Fixture => {
  const f = JSON.parse(readFileSync(new URL(`../fixtures/official/${name}`, import.meta.url), "utf8")) as Fixture;
  expect(f._source).toMatch(/^microsoftgraph\/microsoft-graph-docs-contrib api-reference\/v1\.0\/api\/\S+\.md/);
  return f;
};
const official = (name: string): Record<string, unknown> => fixture(name).body;
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

describe("every Graph fixture says what it changed and holds no sample secret or real address", () => {
  it.each([
    "graph-application.json",
    "graph-addpassword.json",
    "graph-serviceprincipal.json",
    "graph-removepassword.json",
    "graph-sendmail.json",
    "graph-directoryaudits.json",
  ])("%s", (name) => {
    const f = fixture(name);
    expect(f._note).toMatch(/\S/);
    const text = JSON.stringify(f.body);
    expect(text).not.toMatch(/eyJ|sig=/);
    // mail addresses only in the reserved .example domain (RFC 2606)
    expect(text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g)?.filter((a) => !a.endsWith(".example")) ?? []).toEqual([]);
  });
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

describe("Graph servicePrincipal (serviceprincipal-get example)", () => {
  const sp = official("graph-serviceprincipal.json");

  it("maps through toServicePrincipal", () => {
    expect(toServicePrincipal(sp)).toEqual({
      objectId: "00af5dfb-85da-4b41-a677-0c6b86dd34f8",
      appId: "appId-value",
      displayName: "My app instance in tenant",
      accountEnabled: true,
    });
  });

  it("the emulator answers the selected properties with the example's keys", async () => {
    emu.applyScenario("healthy");
    const r = await getJson(
      emu,
      `/v1.0/servicePrincipals(appId='${ids.KEEPER_APP_ID}')?$select=id,appId,displayName,accountEnabled`,
      token,
    );
    expect(r.status).toBe(200);
    // the example is marked "truncated": Graph's JSON answers also carry @odata.context
    expect(keys(r.body).filter((k) => !keys(sp).includes(k) && k !== "@odata.context")).toEqual([]);
    expect(toServicePrincipal(r.body)).toEqual({
      objectId: ids.KEEPER_SP_ID,
      appId: ids.KEEPER_APP_ID,
      displayName: expect.any(String),
      accountEnabled: true,
    });
  });
});

describe("Graph directoryAudits (directoryaudit-list example)", () => {
  const list = official("graph-directoryaudits.json");
  const example = (list["value"] as Array<Record<string, unknown>>)[0]!;

  it("maps through toAuditEvent", () => {
    expect(toAuditEvent(example, "1f0e98f5-3161-4c6b-9b50-d488572f2bb7")).toMatchObject({
      operation: "Add member to group",
      caller: "bob@wingtiptoysonline.example",
    });
  });

  it("the emulator answers with the example's keys, and refuses a monitor without AuditLog.Read.All", async () => {
    emu.applyScenario("vault-stale");
    const path = `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t:t/id eq '${ids.KEEPER_APP_OBJECT_ID}')`)}`;
    expect((await getJson(emu, path, token)).status).toBe(403);
    emu.state.apps.find((a) => a.appId === emu.settings["AZURE_CLIENT_ID"])!.graphRoles.push("AuditLog.Read.All");
    const r = await getJson(emu, path, token);
    expect(r.status).toBe(200);
    expect(keys(r.body)).toEqual(keys(list));
    const served = (r.body as { value: Array<Record<string, unknown>> }).value[0]!;
    expect(keys(example).filter((k) => !(k in served))).toEqual([]);
    expect(toAuditEvent(served, ids.KEEPER_APP_OBJECT_ID)).toMatchObject({
      operation: "Update application – Certificates and secrets management ",
      caller: "alice@contoso.com",
    });
  });
});

describe("Graph removePassword (application-removepassword example)", () => {
  const documented = fixture("graph-removepassword.json");

  it("GraphWriter sends the documented body, and the emulator answers it 204 for an existing key", async () => {
    emu.applyScenario("healthy");
    emu.resetCalls();
    const config = loadConfig(emu.settings);
    await new GraphWriter(createCredential(config), config.cloud).removePassword(
      ids.KEEPER_APP_OBJECT_ID,
      ids.KEEPER_SECRET_KEY_ID,
      { callTimeoutMs: 4000, budget: deadline(20_000) },
    );
    const calls = emu.calls.filter((c) => c.service === "graph" && /\/removePassword$/.test(c.path));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe(`/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/removePassword`);
    const sent = calls[0]!.graphBody as Record<string, unknown>;
    expect(keys(sent)).toEqual(keys(documented.body));
    expect(sent["keyId"]).toBe(ids.KEEPER_SECRET_KEY_ID);
    expect(calls[0]!.status).toBe(documented.status);
  });

  it("the emulator answers the documented request 204 with no body", async () => {
    emu.applyScenario("healthy");
    const r = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/removePassword`, token, {
      method: "POST",
      body: JSON.stringify({ ...documented.body, keyId: ids.KEEPER_SECRET_KEY_ID }),
    });
    expect(r.status).toBe(documented.status);
    expect(r.body).toBeUndefined();
  });
});

describe("Graph sendMail (user-sendmail example)", () => {
  const documented = fixture("graph-sendmail.json");
  // message resource fields our alert mail also uses, shown in the same page's Example 2
  // (internetMessageHeaders) and Example 3 (a fileAttachment)
  const documentedToo = [
    ".message.internetMessageHeaders",
    ".message.internetMessageHeaders[].name",
    ".message.internetMessageHeaders[].value",
    ".message.attachments",
    ".message.attachments[].@odata.type",
    ".message.attachments[].name",
    ".message.attachments[].contentType",
    ".message.attachments[].contentBytes",
  ];

  it("the email channel sends the documented shape, and the emulator answers 202", async () => {
    emu.applyScenario("healthy");
    emu.resetCalls();
    const from = emu.state.graph.mailboxes[0]!;
    const config = loadConfig({ ...emu.settings, ALERT_EMAIL_FROM: from, ALERT_EMAIL_TO: "to@contoso.example" });
    await emailChannel(new GraphHttp(createCredential(config), config.cloud), config.alerts.email!, {
      timeoutMs: 4000,
      now: () => new Date(),
    }).send([opened]);
    const calls = emu.calls.filter((c) => c.service === "graph" && /\/sendMail$/.test(c.path));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(documented.status);
    const sent = calls[0]!.graphBody as {
      message: { subject: unknown; body: { contentType: unknown; content: unknown }; toRecipients: unknown };
      saveToSentItems: unknown;
    };
    const paths = keyPaths(sent);
    for (const p of [
      ".message.subject",
      ".message.body.contentType",
      ".message.body.content",
      ".message.toRecipients[].emailAddress.address",
      ".saveToSentItems",
    ])
      expect(paths, p).toContain(p);
    expect(extraPaths(sent, documented.body, documentedToo)).toEqual([]);
    expect(typeof sent.message.subject).toBe("string");
    // itemBody.contentType is the bodyType enum: text or html
    expect(String(sent.message.body.contentType)).toMatch(/^(text|html)$/i);
    expect(typeof sent.message.body.content).toBe("string");
    expect(sent.message.toRecipients).toEqual([{ emailAddress: { address: "to@contoso.example" } }]);
    // the parameter table types saveToSentItems Boolean
    expect(typeof sent.saveToSentItems).toBe("boolean");
  });
});

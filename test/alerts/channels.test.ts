/** The real Teams and Graph channels, over HTTPS, against the emulator's webhook receiver and mail sink. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GraphHttp } from "../../src/azure/graphClient.js";
import type { Emulator } from "../../emulator/index.js";
import { createCredential } from "../../src/azure/credential.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ChannelError } from "../../src/alerts/channel.js";
import { emailChannel } from "../../src/alerts/emailChannel.js";
import { teamsChannel } from "../../src/alerts/teamsChannel.js";
import { channelsFromConfig } from "../../src/app/alerting.js";
import { leaks, startTrustedEmulator } from "../e2e/harness.js";
import { expiring, opened } from "../report/fixtures.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
  emu.state.teamsMessages.length = 0;
  emu.state.sentMail.length = 0;
});

const now = () => new Date();
const MAILBOX = () => emu.state.graph.mailboxes[0]!;
function email(from = MAILBOX()) {
  const config = loadConfig({ ...emu.settings, ALERT_EMAIL_FROM: from, ALERT_EMAIL_TO: "secops@contoso.com" });
  return emailChannel(new GraphHttp(createCredential(config), config.cloud), config.alerts.email!, {
    timeoutMs: 2000,
    now,
  });
}
const teams = (url = emu.teamsWebhookUrl) => teamsChannel(url, { timeoutMs: 2000, now });
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ChannelError,
  );

describe("Teams channel (Workflows webhook)", () => {
  it("posts one message with the card as its attachment; nothing secret in it", async () => {
    await teams().send([opened, expiring]);
    expect(emu.state.teamsMessages).toHaveLength(1);
    const body = emu.state.teamsMessages[0]!.body as {
      type: string;
      attachments: Array<{ contentType: string; content: { version: string } }>;
    };
    expect(body.type).toBe("message");
    expect(body.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.attachments[0]!.content.version).toBe("1.4");
    expect(leaks(emu, JSON.stringify(emu.state.teamsMessages))).toEqual([]);
  });

  it("a 503 is one attempt (no blind retry of a webhook POST) and a non-ambiguous failure", async () => {
    emu.faults.add({ service: "teams", status: 503, retryAfterSeconds: 30 });
    const e = await errorOf(teams().send([opened]));
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toMatchObject({ errorClass: "http-503", ambiguous: false, retryAfterMs: 30_000 });
    expect(emu.calls.filter((c) => c.service === "teams")).toHaveLength(1);
    expect(e!.message).not.toContain("sig=");
  });

  it("a hung webhook times out: an ambiguous failure (the message may have arrived)", async () => {
    emu.faults.add({ service: "teams", hang: true, times: 1 });
    const e = await errorOf(teams().send([opened]));
    expect(e).toMatchObject({ errorClass: "timeout", ambiguous: true });
    expect(emu.calls.filter((c) => c.service === "teams")).toHaveLength(1);
  });

  it("a wrong signature is refused (401), and the error says so without the URL", async () => {
    const e = await errorOf(teams(emu.teamsWebhookUrl.replace(/sig=[^&]+/, "sig=wrong")).send([opened]));
    expect(e).toMatchObject({ errorClass: "http-401", ambiguous: false });
    expect(JSON.stringify(e)).not.toContain("sig=");
  });
});

describe("email channel (Graph sendMail)", () => {
  it("sends HTML with the text part attached and the dedupe key in an x- header", async () => {
    await email().send([opened]);
    expect(emu.state.sentMail).toHaveLength(1);
    const m = emu.state.sentMail[0]!.message as {
      subject: string;
      body: { contentType: string; content: string };
      internetMessageHeaders: Array<{ name: string; value: string }>;
      attachments: Array<{ name: string; contentBytes: string }>;
    };
    expect(m.subject).toBe("[Keeper connector] CRITICAL: role assignment missing on KeeperSecurityEventLogs_DCR");
    expect(m.body.contentType).toBe("HTML");
    expect(m.internetMessageHeaders.map((h) => h.name)).toEqual(["x-keeper-alert-key", "x-keeper-notice-kind"]);
    expect(m.attachments[0]!.name).toBe("alert.txt");
    expect(leaks(emu, JSON.stringify(emu.state.sentMail))).toEqual([]);
  });

  it("a 503 from Graph is one attempt, not retried by the pipeline", async () => {
    emu.faults.add({ service: "graph", path: /sendMail/i, status: 503, retryAfterSeconds: 0 });
    const e = await errorOf(email().send([opened]));
    expect(e).toMatchObject({ errorClass: "http-503", ambiguous: false });
    expect(emu.calls.filter((c) => /sendMail/i.test(c.path))).toHaveLength(1);
  });

  it("a 429 from Graph is one attempt, and its Retry-After goes to the outbox as it came", async () => {
    emu.faults.add({ service: "graph", path: /sendMail/i, status: 429, retryAfterSeconds: 45 });
    const e = await errorOf(email().send([opened]));
    expect(e).toMatchObject({ errorClass: "http-429", ambiguous: false, retryAfterMs: 45_000 });
    expect(emu.calls.filter((c) => /sendMail/i.test(c.path))).toHaveLength(1);
  });

  it("a hung sendMail times out: an ambiguous failure (the mail may have been sent)", async () => {
    emu.faults.add({ service: "graph", path: /sendMail/i, hang: true });
    const started = Date.now();
    const e = await errorOf(email().send([opened]));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e).toMatchObject({ errorClass: "timeout", ambiguous: true });
  });

  it("a sender mailbox the identity may not use is a clear 4xx class", async () => {
    const e = await errorOf(email("not-a-mailbox@contoso.com").send([opened]));
    expect(e).toMatchObject({ errorClass: "http-404", ambiguous: false });
    expect(emu.state.sentMail).toHaveLength(0);
  });
});

describe("the channels the settings build", () => {
  it("carry the status page of WEBSITE_HOSTNAME to Teams and email", async () => {
    const config = loadConfig({
      ...emu.settings,
      ALERT_TEAMS_WEBHOOK_URL: emu.teamsWebhookUrl,
      ALERT_EMAIL_FROM: MAILBOX(),
      ALERT_EMAIL_TO: "secops@contoso.com",
      WEBSITE_HOSTNAME: "kcm-func-abc.azurewebsites.net",
    });
    const page = "https://kcm-func-abc.azurewebsites.net/api/health?format=html";
    for (const c of channelsFromConfig(config, createCredential(config), now)) await c.send([opened]);
    const card = JSON.stringify(emu.state.teamsMessages[0]?.body);
    expect(card).toContain(`{"type":"Action.OpenUrl","title":"Open status page","url":"${page}"}`);
    const mail = emu.state.sentMail[0]?.message as { body: { content: string } } | undefined;
    expect(mail?.body.content).toContain(`<a href="${page}">Open status page</a>`);
  });
});

/**
 * Timeline acceptance tests in the style of Alertmanager's: a scripted clock, runs at given
 * minutes, channels that go down and come back, and checks on everything that was delivered.
 * State lives in Azurite (real Table storage, real ETags); channels are plain-object fakes at the
 * Channel port (the real Teams and Graph channels are tested against the emulator separately).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { AlertManager } from "../../src/alerts/alertManager.js";
import { ChannelError, type Channel } from "../../src/alerts/channel.js";
import type { Notice, RunRecord } from "../../src/core/notifier.js";
import type { PolicySettings } from "../../src/alerts/alertRecord.js";
import { AlertStore, type ChannelName } from "../../src/alerts/store/index.js";
import { ok, problem, unknown, type Finding } from "../../src/core/finding.js";
import type { Logger } from "../../src/core/logger.js";
import { renderCard } from "../../src/report/card.js";
import { renderEmail } from "../../src/report/email.js";

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("not needed")) };
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const settings: PolicySettings = {
  openAfter: 2,
  resolveAfter: 2,
  renotifyHours: 4,
  portalUrl: "https://portal.azure.com",
  tenantId: "00000000-0000-0000-0000-0000000000aa",
};
const DCR =
  "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
const T0 = Date.parse("2026-11-25T00:00:00Z");
/** Planted where a careless renderer would copy it: evidence fields that name secret material. */
const PLANTED_SECRET = "Zx9~plantedSecretValue_0123456789";
const PLANTED_HINT = "Zx9";

function newStore(table: string): AlertStore {
  return new AlertStore(
    createTableClient({ kind: "connectionString", connectionString: inject("tablesConnection") }, noCredential, table),
  );
}

class Clock {
  t = T0;
  now = () => new Date(this.t);
  at(min: number) {
    this.t = T0 + min * 60_000;
  }
}

interface Delivered {
  channel: ChannelName;
  at: number;
  notices: Notice[];
  bodies: string;
}

/** A fake channel at the port: records what it accepted; `down(t)` makes it fail like a 503. */
function fakeChannel(
  name: ChannelName,
  clock: Clock,
  log: Delivered[],
  behaviour: { down?: (t: number) => boolean; ambiguousOnce?: () => boolean } = {},
): Channel & { attempts: number } {
  const ch = {
    name,
    attempts: 0,
    fits: (n: readonly Notice[]) => n.length <= 20,
    send: (notices: readonly Notice[]) => {
      ch.attempts++;
      if (behaviour.down?.(clock.t)) return Promise.reject(new ChannelError("http-503", false));
      const rendered = name === "teams" ? JSON.stringify(renderCard(notices)) : JSON.stringify(renderEmail(notices));
      log.push({ channel: name, at: clock.t, notices: [...notices], bodies: rendered });
      // Delivered, but the reply never came back: the sender cannot tell (a timeout).
      if (behaviour.ambiguousOnce?.()) return Promise.reject(new ChannelError("timeout", true));
      return Promise.resolve();
    },
  };
  return ch;
}

function run(min: number, findings: Finding[], source: RunRecord["source"] = "drift"): RunRecord {
  const at = new Date(T0 + min * 60_000).toISOString();
  return { source, startedAt: at, finishedAt: at, findings };
}
const roleBad = () =>
  problem("role.assignment", "critical", "The Keeper app has no Monitoring Metrics Publisher role on the DCR.", {
    resource: DCR,
    evidence: {
      expected: "Monitoring Metrics Publisher",
      actual: null,
      hint: PLANTED_HINT,
      secretText: PLANTED_SECRET,
    },
    remediation: "az role assignment create --role 'Monitoring Metrics Publisher' --scope <dcr>",
  });
const roleOk = () => ok("role.assignment", "The role is assigned.", { resource: DCR });
const roleUnknown = () => unknown("role.assignment", "throttled (429)", { resource: DCR });

function setup(opts: { teamsDown?: (t: number) => boolean; emailDown?: (t: number) => boolean } = {}) {
  const table = `tl${randomBytes(6).toString("hex")}`;
  const clock = new Clock();
  const delivered: Delivered[] = [];
  const teams = fakeChannel("teams", clock, delivered, { down: opts.teamsDown });
  const email = fakeChannel("email", clock, delivered, { down: opts.emailDown });
  const manager = (channels: Channel[] = [teams, email], store = newStore(table)) =>
    new AlertManager({ store, channels, settings, now: clock.now, log: quiet });
  return { table, clock, delivered, teams, email, manager };
}

/** kind per channel, in delivery order, e.g. "teams opened". */
const kinds = (d: Delivered[], channel?: ChannelName) =>
  d.filter((x) => !channel || x.channel === channel).flatMap((x) => x.notices.map((n) => `${x.channel} ${n.kind}`));

/** The invariants every timeline must keep. */
function checkInvariants(d: Delivered[], maxCopies = 1) {
  const copies = new Map<string, number>();
  for (const x of d)
    for (const n of x.notices) copies.set(`${x.channel} ${n.key}`, (copies.get(`${x.channel} ${n.key}`) ?? 0) + 1);
  for (const [k, c] of copies) expect(c, k).toBeLessThanOrEqual(maxCopies);
  const resolvedPerIncident = new Map<string, number>();
  for (const [k] of copies)
    if (k.endsWith("|resolved")) resolvedPerIncident.set(k, (resolvedPerIncident.get(k) ?? 0) + 1);
  for (const [k, c] of resolvedPerIncident) expect(c, k).toBe(1);
  const all = d.map((x) => x.bodies).join("\n");
  expect(all).not.toContain(PLANTED_SECRET);
  expect(all).not.toMatch(/"hint"|secretText|sig=|eyJ[A-Za-z0-9_-]{10,}\./);
}

describe("alert timelines against Azurite", () => {
  it("flapping checks: no alert until the problem holds, one opened, one resolved", async () => {
    const { clock, delivered, manager } = setup();
    const m = manager();
    const script: Array<[number, () => Finding]> = [
      [0, roleBad],
      [15, roleOk],
      [30, roleBad],
      [45, roleOk],
      [60, roleBad],
      [75, roleUnknown],
      [90, roleBad],
      [105, roleOk],
      [120, roleBad],
      [135, roleOk],
      [150, roleOk],
      [165, roleOk],
    ];
    for (const [min, f] of script) {
      clock.at(min);
      await m.record(run(min, [f()]));
    }
    expect(kinds(delivered)).toEqual(["teams opened", "email opened", "teams resolved", "email resolved"]);
    expect(delivered.filter((d) => d.notices[0]?.kind === "opened").map((d) => d.at)).toEqual([
      T0 + 90 * 60_000,
      T0 + 90 * 60_000,
    ]);
    checkInvariants(delivered);
  });

  it("duplicate ticks: the same run recorded three times (twice at once) opens once", async () => {
    const { clock, delivered, manager } = setup();
    const m = manager();
    clock.at(0);
    await m.record(run(0, [roleBad()]));
    clock.at(15);
    const r = run(15, [roleBad()]);
    await Promise.all([m.record(r), manager().record(r)]);
    await m.record(r);
    clock.at(16);
    await m.deliver();
    expect(kinds(delivered)).toEqual(["teams opened", "email opened"]);
    checkInvariants(delivered);
  });

  it("groups the findings of one run into one message per channel", async () => {
    const { clock, delivered, manager } = setup();
    const m = manager();
    const fresh = (r: string) =>
      problem("ingestion.freshness", "critical", `No events for 3 h on ${r}.`, { resource: r });
    clock.at(0);
    await m.record(run(0, [fresh("a"), fresh("b"), roleOk()], "ingestion"));
    expect(delivered.map((d) => `${d.channel} ${d.notices.length}`)).toEqual(["teams 2", "email 2"]);
  });

  it("a crash between sending and recording gives exactly one duplicate, after the claim expires", async () => {
    const { table, clock, delivered, teams, email, manager } = setup();
    const crashing = newStore(table);
    let crash = true;
    const realMarkSent = crashing.outbox.markSent.bind(crashing.outbox);
    crashing.outbox.markSent = (row, now) =>
      crash ? Promise.reject(new Error("process killed")) : realMarkSent(row, now);
    const m1 = manager([teams, email], crashing);
    clock.at(0);
    await m1.record(run(0, [roleBad()]));
    clock.at(15);
    await expect(m1.record(run(15, [roleBad()]))).rejects.toThrow("process killed");
    crash = false;
    // The restarted instance: a delivery tick inside the claim sends nothing, after it resends once.
    const m2 = manager();
    clock.at(16);
    await m2.deliver();
    expect(kinds(delivered, "teams")).toEqual(["teams opened"]);
    clock.at(18);
    await m2.deliver();
    clock.at(30);
    await m2.record(run(30, [roleBad()]));
    expect(kinds(delivered, "teams")).toEqual(["teams opened", "teams opened"]);
    checkInvariants(delivered, 2);
  });

  it("an ambiguous failure (sent, reply lost) is retried: at most one duplicate", async () => {
    const { table, clock, delivered, manager } = setup();
    let once = true;
    const teams = fakeChannel("teams", clock, delivered, {
      ambiguousOnce: () => {
        const r = once;
        once = false;
        return r;
      },
    });
    const m = manager([teams], newStore(table));
    clock.at(0);
    await m.record(run(0, [roleBad()]));
    clock.at(15);
    await m.record(run(15, [roleBad()]));
    for (const min of [16, 17, 20, 30]) {
      clock.at(min);
      await m.deliver();
    }
    expect(kinds(delivered)).toEqual(["teams opened", "teams opened"]);
    checkInvariants(delivered, 2);
  });

  it("a channel down for 3 hours: backoff 1, 2, 4 … 60 min, the other channel told, nothing lost", async () => {
    const downUntil = T0 + 3 * 60 * 60_000 + 15 * 60_000;
    const { clock, delivered, teams, manager } = setup({ teamsDown: (t) => t < downUntil });
    const m = manager();
    const degraded: boolean[] = [];
    for (let min = 0; min <= 5 * 60; min++) {
      clock.at(min);
      if (min % 15 === 0) {
        const f = min < 4 * 60 ? roleBad() : roleOk();
        await m.record(run(min, [f]));
        degraded.push((await m.channelFindings()).some((x) => x.status === "problem"));
      } else await m.deliver(); // the delivery timer, every minute
    }
    // Email got everything on time, plus the warning that Teams is failing.
    expect(kinds(delivered, "email")).toEqual(["email opened", "email channel", "email resolved"]);
    // Teams got the opened notice once, after it came back, then the resolved one.
    expect(kinds(delivered, "teams")).toEqual(["teams opened", "teams resolved"]);
    const teamsOpened = delivered.find((d) => d.channel === "teams")!;
    expect(teamsOpened.at).toBeGreaterThanOrEqual(downUntil);
    expect(teamsOpened.at - downUntil).toBeLessThanOrEqual(60 * 60_000);
    // Backoff, not a retry every minute: 1+2+4+8+16+32+60+60… minutes over 3 hours.
    expect(teams.attempts).toBeLessThanOrEqual(12);
    expect(teams.attempts).toBeGreaterThanOrEqual(8);
    expect(degraded.some(Boolean)).toBe(true);
    expect(degraded.at(-1)).toBe(false);
    checkInvariants(delivered);
  });

  it("two overlapping runs on two instances: each notice is sent once per channel", async () => {
    const { clock, delivered, manager } = setup();
    const a = manager();
    const b = manager();
    clock.at(0);
    await Promise.all([a.record(run(0, [roleBad()])), b.record(run(1, [roleBad()]))]);
    clock.at(15);
    await Promise.all([a.record(run(15, [roleBad()])), b.record(run(16, [roleBad()])), a.deliver(), b.deliver()]);
    await Promise.all([a.deliver(), b.deliver()]);
    expect(kinds(delivered).sort()).toEqual(["email opened", "teams opened"]);
    checkInvariants(delivered);
  });

  it("a restart in the middle of an incident: reminders keep their rhythm, one resolved notice", async () => {
    const { clock, delivered, manager } = setup();
    const first = manager();
    for (const min of [0, 15, 60]) {
      clock.at(min);
      await first.record(run(min, [roleBad()]));
    }
    const second = manager(); // a new instance: nothing in memory
    for (const min of [120, 255, 300, 495, 510, 525, 540]) {
      clock.at(min);
      await second.record(run(min, [min >= 510 ? roleOk() : roleBad()]));
    }
    expect(kinds(delivered, "teams")).toEqual(["teams opened", "teams reminder", "teams reminder", "teams resolved"]);
    expect(delivered.filter((d) => d.channel === "teams").map((d) => (d.at - T0) / 60_000)).toEqual([
      15, 255, 495, 525,
    ]);
    checkInvariants(delivered);
  });

  it("the digest says the monitor is alive and lists open alerts, once a day", async () => {
    const { clock, delivered, manager } = setup();
    const m = manager();
    for (const min of [0, 15]) {
      clock.at(min);
      await m.record(run(min, [roleBad()]));
    }
    clock.at(8 * 60);
    await m.digest();
    await m.digest(); // a replayed tick
    const digests = delivered.filter((d) => d.notices[0]?.kind === "digest");
    expect(digests.map((d) => d.channel)).toEqual(["teams", "email"]);
    expect(digests[0]!.notices[0]!.title).toBe("Daily digest 2026-11-25: 1 open alert");
    expect(digests[0]!.notices[0]!.facts[0]!.value).toBe("role assignment missing on KeeperSecurityEventLogs_DCR");
  });

  it("with no channel configured, the run says so as a fact (ok) and how to add one", async () => {
    const { table, clock, manager } = setup();
    const m = manager([], newStore(table));
    clock.at(0);
    await m.record(run(0, [roleOk()]));
    const runs = await newStore(table).runs.latest();
    const f = runs[0]!.findings.find((x) => x.check === "alerts.channel");
    expect(f).toMatchObject({ status: "ok", severity: "info" });
    expect(f!.summary).toMatch(/No alert channel is configured \(optional\).*With one.*ALERT_TEAMS_WEBHOOK_URL/);
  });
});

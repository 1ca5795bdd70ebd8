import { writeFileSync } from "node:fs";
import { seededRandom } from "../../emulator/random.js";
import func, { type HttpHandler, type Timer, type TimerHandler } from "@azure/functions";
import { inject } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { findScenario, ids, type Emulator, type FaultRule } from "../../emulator/index.js";
import type { RunRecord } from "../../src/core/notifier.js";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { createFleet, type Fleet } from "../../src/app/fleet.js";
import { triggersFor } from "../../src/functions/triggers.js";
import { loggerFrom } from "../../src/core/logger.js";
import { leakedShapes, startTrustedEmulator } from "../e2e/harness.js";
import { keeperApp, setDaysLeft, vaultVersions } from "../e2e/rotationHarness.js";
import {
  checkInvariants,
  STRUCTURAL_CHECKS,
  type ChannelName,
  type NoticeSeen,
  type RunSeen,
  type Trace,
} from "./invariants.js";
import { HOUR, MIN, makePlan, type Plan, type Window } from "./plan.js";
import { inertMarkdown } from "../../src/core/safeText.js";

export interface SeedResult {
  trace: Trace;
  violations: string[];
  summary: string;
  stats: SeedStats;
}

/** What one seed did, for the runner's totals. */
export interface SeedStats {
  seed: number;
  hours: number;
  invocations: number;
  faults: number;
  crashes: number;
  breaks: number;
  httpCalls: number;
  wallSeconds: number;
  cpuSeconds: number;
  violations: number;
}

class SimCrash extends Error {
  constructor() {
    super("simulated crash");
    this.name = "SimCrash";
  }
}

/** One Function App instance: its own monitor, alerting and in-memory state; it can be crashed. */
interface Instance {
  name: string;
  dead: boolean;
  armCrash(afterReads: number): void;
  disarm(): void;
  fleet: Fleet;
  drift: TimerHandler;
  ingestion: TimerHandler;
  rotation: TimerHandler;
  delivery: TimerHandler;
  health: HttpHandler;
}

const timer = (isPastDue: boolean): Timer => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
});

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("connection string only")) };

async function dumpTable(table: string): Promise<string> {
  const client = createTableClient(
    { kind: "connectionString", connectionString: inject("tablesConnection") },
    noCredential,
    table,
  );
  const rows: unknown[] = [];
  try {
    for await (const e of client.listEntities()) rows.push(e);
  } catch {
    // a table never created (nothing recorded) has no rows to scan
  }
  return JSON.stringify(rows);
}

/** Runs one seed: the real handlers on a simulated clock against the emulator and Azurite. */
export async function simulateSeed(seed: number, days: number): Promise<SeedResult> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const plan: Plan = makePlan(seed, days);
  const clock = {
    ms: plan.start - 10 * MIN,
    now: () => new Date(clock.ms),
    advance: (ms: number) => void (clock.ms += ms),
  };
  const emu: Emulator = await startTrustedEmulator({ now: clock.now, seed });
  // What the monitor wrote this step (logs, run records, HTTP responses); scanned for secrets and
  // dropped at the end of each step, so a simulated month holds no more than a step of output.
  const lines: string[] = [];
  const push = (...x: unknown[]) => lines.push(x.map(String).join(" "));
  const outputs: string[] = [];
  const secrets = new Set<string>();
  const found = new Set<string>();
  const events: Trace["events"] = [];
  const ev = (what: string) => events.push({ t: clock.ms, what });
  const verbose = process.env["SIM_VERBOSE"] === "1";
  const phase = (what: string) => {
    if (verbose)
      writeFileSync(`/tmp/sim-progress-${seed}.txt`, `${clock.now().toISOString()} ${what}\n`, { flag: "a" });
  };
  const runs: RunSeen[] = [];
  const credentials: string[] = [];
  const ambiguous = new Set<ChannelName>();
  const outbox = new Map<
    string,
    { channel: ChannelName; key: string; kind: string; check: string; since: string; title: string }
  >();
  const suffix = `${seed.toString(36)}${Date.now().toString(36)}`;
  const tables = { alerts: `simal${suffix}`, rotation: `simrot${suffix}` };
  const wall: Record<string, number> = {};
  const counts = { ticks: 0, faults: 0, crashes: 0, breaks: 0, pushes: 0 };
  try {
    emu.state.secretPropagationMs = plan.secretPropagationMs;
    if (!plan.signInLogs) delete emu.state.tables["AADServicePrincipalSignInLogs"];
    for (const x of emu.secrets()) if (!x.startsWith("eyJ")) secrets.add(x);
    const initialSecret = emu.state.keeper.clientSecret;
    setDaysLeft(emu, clock, plan.initialDaysLeft);
    const settings = {
      ...emu.settings,
      AzureWebJobsStorage: inject("tablesConnection"),
      CALL_TIMEOUT_SECONDS: "2",
      RUN_BUDGET_SECONDS: "10",
      CUTOVER_QUIET_HOURS: "4",
      ALERT_TEAMS_WEBHOOK_URL: emu.teamsWebhookUrl,
      ALERT_EMAIL_FROM: ids.MAIL_SENDER,
      ALERT_EMAIL_TO: "soc@example.com",
    };

    // Ground truth: the break applied now, and when Keeper's events last arrived.
    let activeBreak: { scenario: string; checks: string[]; allowed: string[]; undo: () => void } | undefined;
    let lastEventAt = clock.ms;
    let gapStart: number | undefined;
    const gaps: Trace["gaps"] = [];
    const breaksDone: Trace["breaks"] = [];

    let n = 0;
    const makeInstance = (): Instance => {
      const name = `i${++n}`;
      let reads = 0;
      let crashAt = Infinity;
      const inst = { name, dead: false } as Instance;
      // The crash hook: the instance dies at its k-th clock read after arming (an await somewhere in a run).
      const now = () => {
        if (inst.dead || ++reads >= crashAt) {
          inst.dead = true;
          throw new SimCrash();
        }
        return clock.now();
      };
      inst.armCrash = (k) => {
        reads = 0;
        crashAt = k;
      };
      inst.disarm = () => {
        crashAt = Infinity;
      };
      // The composition root and the triggers exactly as src/index.ts builds them, on the
      // emulator's settings, the simulated clock and this seed's tables; every recorded run is
      // seen with the ground truth.
      inst.fleet = createFleet({
        env: settings,
        now,
        sleep: (ms) => {
          clock.ms += ms;
          return Promise.resolve();
        },
        tables,
        log: loggerFrom({ log: push, warn: push, error: push }),
        onRecord: (run: RunRecord) => {
          runs.push({
            at: clock.ms,
            source: run.source,
            findings: run.findings.map((f) => ({
              check: f.check,
              status: f.status,
              severity: f.severity,
              summary: f.summary,
            })),
            allowed: activeBreak?.allowed ?? [],
            gapMs: clock.ms - lastEventAt,
          });
          outputs.push(JSON.stringify(run));
        },
      });
      const triggers = triggersFor(inst.fleet, settings);
      const timerOf = (name: string) => {
        const t = triggers.find((x) => x.name === name);
        if (t?.kind !== "timer") throw new Error(`no timer ${name}`);
        return t.handler;
      };
      const health = triggers.find((x) => x.name === "health");
      if (health?.kind !== "http") throw new Error("no health route");
      inst.drift = timerOf("driftCheck");
      inst.ingestion = timerOf("ingestionWatch");
      inst.rotation = timerOf("secretRotation");
      inst.delivery = timerOf("alertDelivery");
      inst.health = health.handler;
      return inst;
    };
    let a = makeInstance();
    const b = makeInstance();

    // Every run must end within its budget (RUN_BUDGET_SECONDS 10, plus Azurite writes): one that
    // does not has a call without a timeout. The simulation notes it and goes on.
    const watchdog = async <T>(p: Promise<T>, what: string): Promise<T> => {
      let handle: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        handle = setTimeout(() => {
          credentials.push(`${what} at ${clock.now().toISOString()} did not end within 45 s of wall clock`);
          reject(new Error(`stuck: ${what}`));
        }, 45_000);
      });
      try {
        return await Promise.race([p, stuck]);
      } finally {
        clearTimeout(handle);
      }
    };
    const invoke = async (inst: Instance, fn: string, past = false): Promise<void> => {
      const context = new func.InvocationContext({
        invocationId: `${inst.name}-${counts.ticks}`,
        functionName: fn,
        logHandler: (_l, ...x) => lines.push(x.map(String).join(" ")),
      });
      counts.ticks++;
      const t0 = performance.now();
      phase(`${fn} on ${inst.name}`);
      try {
        if (fn === "health") {
          const q = counts.ticks % 7 === 0 ? "?refresh=true" : counts.ticks % 5 === 0 ? "?format=html" : "";
          const res = await watchdog(
            Promise.resolve(
              inst.health(new func.HttpRequest({ method: "GET", url: `https://x/api/health${q}` }), context),
            ),
            "health",
          );
          outputs.push(JSON.stringify(res));
          return;
        }
        const h = { drift: inst.drift, ingestion: inst.ingestion, rotation: inst.rotation, delivery: inst.delivery }[
          fn as "drift"
        ];
        await watchdog(Promise.resolve(h(timer(past), context)), `${fn} on ${inst.name}`);
      } catch (e) {
        if (e instanceof SimCrash || inst.dead) {
          ev(`${inst.name} crashed in ${fn}`);
          return;
        }
        // A handler that throws is a failed invocation: the host logs it and the next tick runs.
        ev(`${fn} on ${inst.name} threw ${(e as Error).name}: ${(e as Error).message.slice(0, 120)}`);
        lines.push(String((e as Error).message));
      } finally {
        wall[fn] = (wall[fn] ?? 0) + performance.now() - t0;
      }
    };

    // Fault windows in force: each HTTP rule is added once (its `times` counts down) and taken back at the end.
    const active: Array<{ w: Window; rules: FaultRule[]; undo?: () => void }> = [];
    let keeperDown = false;
    const startFault = (w: Window) => {
      counts.faults++;
      const d = w.detail;
      const svc = d["service"] as FaultRule["service"];
      let rules: FaultRule[] = [];
      let undo: (() => void) | undefined;
      switch (w.kind) {
        case "throttle":
          rules = [{ service: svc, status: 429, retryAfterMs: Number(d["retryAfterMs"]), times: Number(d["times"]) }];
          break;
        case "error5xx":
          rules = [{ service: svc, status: Number(d["status"]), times: Number(d["times"]) }];
          break;
        case "hang":
          rules = [{ service: svc, hang: true, times: 1 }];
          break;
        case "malformed":
          rules = [{ service: svc, method: "GET", malformed: true, times: Number(d["times"]) }];
          break;
        case "tokenOutage":
          // Cached tokens stay valid (revoking them would blind the SDKs until their real-time
          // expiry, an hour of wall clock that the simulated clock never reaches): the outage
          // hits whoever needs a new token, e.g. a fresh instance after a crash, and Keeper.
          rules = [{ service: "token", status: 503 }];
          break;
        case "forbidden":
          emu.state.monitorDenied.add(ids.IDS.dcr);
          undo = () => emu.state.monitorDenied.delete(ids.IDS.dcr);
          break;
        case "teamsOutage":
          rules = [d["hang"] ? { service: "teams", hang: true } : { service: "teams", status: 503 }];
          if (d["hang"]) ambiguous.add("teams");
          break;
        case "mailOutage":
          rules = [{ service: "graph", path: /sendMail$/i, status: 503 }];
          break;
        case "keeperOutage":
          keeperDown = true;
          undo = () => (keeperDown = false);
          break;
      }
      ev(`fault ${w.kind} ${JSON.stringify(d)} until ${new Date(w.end).toISOString()}`);
      // MSAL caches a token endpoint's 429/5xx per request for Retry-After seconds of wall clock (60
      // without one) and answers the same request from that cache. A simulated half day takes ~15 s
      // of wall clock, so one 503 blocked that instance's token for the rest of the seed (seed 1236:
      // no email for 8 simulated hours), which a real minute never does. A 1 s Retry-After keeps
      // MSAL's throttle, about an hour of simulated time, still far longer than in production.
      rules = rules.map((r) => (r.service === "token" && r.status ? { ...r, retryAfterSeconds: 1 } : r));
      active.push({ w, rules, ...(undo ? { undo } : {}) });
      for (const r of rules) emu.faults.add(r);
    };
    const endFaults = () => {
      for (let i = active.length - 1; i >= 0; i--) {
        const x = active[i]!;
        if (x.w.end <= clock.ms) {
          x.undo?.();
          for (const r of x.rules) emu.faults.remove(r);
          active.splice(i, 1);
        }
      }
      // keeperDown may be held by another overlapping outage
      keeperDown = active.some((x) => x.w.kind === "keeperOutage");
    };

    const startBreak = (w: Window) => {
      counts.breaks++;
      const sc = findScenario(String(w.detail["scenario"]));
      const saved = structuredClone({ resources: emu.state.resources, roles: emu.state.roleAssignments });
      const sp = keeperApp(emu).servicePrincipal!;
      const enabled = sp.accountEnabled;
      sc.apply(emu.state, { now: clock.ms, identity: undefined as never });
      activeBreak = {
        scenario: sc.name,
        checks: sc.breaks,
        allowed: sameResource(sc.breaks),
        undo: () => {
          emu.state.resources = saved.resources;
          emu.state.roleAssignments = saved.roles;
          keeperApp(emu).servicePrincipal!.accountEnabled = enabled;
        },
      };
      ev(`break ${sc.name} (${sc.breaks.join(",")})`);
    };
    const endBreak = (w: Window) => {
      activeBreak?.undo();
      breaksDone.push({ scenario: activeBreak!.scenario, start: w.start, end: clock.ms, checks: activeBreak!.checks });
      ev(`repaired ${activeBreak!.scenario}`);
      activeBreak = undefined;
    };

    // Keeper: pushes each 5 minutes unless it is down; a push that does not land is a real gap.
    const keeperPush = async () => {
      if (keeperDown) return noteGap(false);
      const before = newestEvent();
      // Keeper's own client gives up on a hung call (the emulator's push has no timeout).
      const r = await Promise.race([
        emu.keeperPush(),
        new Promise<{ status: number }>((res) => setTimeout(() => res({ status: 0 }), 3000)),
      ]);
      counts.pushes++;
      noteGap(r.status === 204 && newestEvent() > before);
    };
    // Ground truth is what reached the workspace table: a 204 whose rows a broken DCR drops is no event.
    const newestEvent = () => {
      const rows = emu.state.tables[ids.TABLE_NAME]?.rows ?? [];
      let newest = 0;
      for (let i = Math.max(0, rows.length - 20); i < rows.length; i++)
        newest = Math.max(newest, Number(rows[i]!["TimeGenerated"]));
      return newest;
    };
    const noteGap = (landed: boolean) => {
      if (landed) {
        if (gapStart !== undefined) gaps.push({ start: gapStart, end: clock.ms });
        gapStart = undefined;
        lastEventAt = newestEvent();
      } else gapStart ??= lastEventAt;
    };

    // The Keeper administrator pastes the newest Key Vault version into the Admin Console, late.
    let newSeenAt: number | undefined;
    const admin = () => {
      const latest = vaultVersions(emu)
        .filter((v) => v.enabled)
        .at(-1);
      if (!latest || latest.value === emu.state.keeper.clientSecret) return void (newSeenAt = undefined);
      newSeenAt ??= clock.ms;
      if (clock.ms - newSeenAt < plan.adminDelayHours * HOUR) return;
      if (!keeperApp(emu).passwordCredentials.some((c) => c.secretText === latest.value)) return;
      emu.state.keeper.clientSecret = latest.value;
      ev(`admin pasted vault version ${latest.version} into Keeper`);
    };

    // Secret values are gathered each step (a removed credential's value leaves the state); tokens
    // (thousands over a month) are caught by their JWT shape instead.
    const gatherSecrets = () => {
      for (const app of emu.state.apps) for (const c of app.passwordCredentials) secrets.add(c.secretText);
      for (const v of Object.values(emu.state.vault.secrets)) for (const x of v.versions) secrets.add(x.value);
    };
    const scanOutput = (texts: string[]) => {
      const text = texts.join("\n");
      for (const s of secrets) if (s.length >= 8 && text.includes(s)) found.add(`${s.slice(0, 3)}…`);
      for (const l of leakedShapes(text)) found.add(l);
    };
    const endStep = () => {
      gatherSecrets();
      // SIM_LOG=1: the product's log lines of a replayed seed, with the simulated time (secrets scanned below)
      if (process.env["SIM_LOG"] === "1" && lines.length)
        writeFileSync(`/tmp/sim-log-${seed}.txt`, lines.map((l) => `${clock.now().toISOString()} ${l}\n`).join(""), {
          flag: "a",
        });
      for (const l of lines)
        if (/alert delivery failed.*ambiguous=true/.test(l))
          for (const ch of ["email", "teams"] as const) if (l.includes(`channel=${ch}`)) ambiguous.add(ch);
      scanOutput([...lines, ...outputs]);
      lines.length = 0;
      outputs.length = 0;
    };
    const checkCredentials = () => {
      const creds = keeperApp(emu).passwordCredentials;
      const managed = creds.filter((c) => c.displayName?.startsWith("keeper-monitor:"));
      if (managed.length > 2)
        credentials.push(`${managed.length} monitor-created credentials at ${clock.now().toISOString()}`);
      if (!creds.some((c) => c.secretText === emu.state.keeper.clientSecret))
        credentials.push(`the credential Keeper uses was removed before cut-over (${clock.now().toISOString()})`);
      for (const v of vaultVersions(emu))
        if (v.enabled && v.tags["keyId"] && !creds.some((c) => c.keyId === v.tags["keyId"]))
          credentials.push(`enabled vault version ${v.version} names missing credential ${v.tags["keyId"]}`);
    };
    const lostValues = () => {
      const versions = vaultVersions(emu);
      return keeperApp(emu)
        .passwordCredentials.filter((c) => c.displayName?.startsWith("keeper-monitor:"))
        .filter((c) => !versions.some((v) => v.tags["keyId"] === c.keyId))
        .map((c) => c.keyId);
    };
    let lostSince: number | undefined;

    const snapshotOutbox = async () => {
      const rows = await a.fleet
        .load()
        .then((targets) => targets[0]!.app.getAlerting().store.outbox.list())
        .catch(() => []);
      for (const r of rows) {
        const since = r.notice.facts.find((f) => f.name === "Open since")?.value ?? "";
        const check = r.notice.facts.find((f) => f.name === "Check")?.value ?? r.notice.key.split("|")[0] ?? "";
        outbox.set(`${r.channel}|${r.noticeKey}`, {
          channel: r.channel,
          key: r.noticeKey,
          kind: r.notice.kind,
          check,
          since,
          title: r.notice.title,
        });
      }
    };

    // The simulated clock: one step per 5 minutes; timers fire at their real schedules.
    let fi = 0;
    let bi = 0;
    const rnd = seededRandom(seed ^ 0x9e3779b9);
    clock.ms = plan.start;
    await keeperPush();
    for (; clock.ms < plan.end; clock.ms = nextStep(clock.ms)) {
      const t = clock.ms;
      endFaults();
      const br = plan.breaks[bi];
      if (activeBreak && br && br.end <= t) {
        endBreak(br);
        bi++;
      }
      const nb = plan.breaks[bi];
      if (!activeBreak && nb && nb.start <= t && t < plan.chaosEnd) startBreak(nb);
      let crashNow: number | undefined;
      let overlap = false;
      let duplicate = false;
      while (fi < plan.faults.length && plan.faults[fi]!.start <= t) {
        const w = plan.faults[fi++]!;
        if (t >= plan.chaosEnd) continue;
        if (w.kind === "crash") crashNow = Number(w.detail["afterReads"]);
        else if (w.kind === "overlap") overlap = true;
        else if (w.kind === "duplicate") duplicate = true;
        else startFault(w);
      }
      if (crashNow !== undefined) {
        counts.faults++;
        a.armCrash(crashNow);
      }
      if (overlap || duplicate) counts.faults++;

      phase("push");
      await keeperPush();
      admin();
      const minute = new Date(t).getUTCMinutes();
      const due: string[] = ["ingestion"];
      if (minute % 15 === 0) due.push("drift");
      if (minute === 15) due.push("rotation"); // hourly at :17, run in the :15 step
      due.push("delivery"); // every 5 minutes (coarsened from every minute)
      if (minute === 30) due.push("health");
      // A random order: the timers of one minute are independent functions.
      due.sort(() => rnd() - 0.5);
      for (const fn of due) {
        if (overlap) await Promise.all([invoke(a, fn), invoke(b, fn)]);
        else await invoke(a, fn);
        if (duplicate) await invoke(b, fn, true);
        if (fn === "rotation") clock.ms = Math.max(clock.ms, t); // the probe's sleep moved the clock
      }
      a.disarm();
      if (a.dead) {
        counts.crashes++;
        a = makeInstance(); // in-memory state lost: a fresh instance takes over
        ev(`fresh instance ${a.name}`);
      }
      checkCredentials();
      endStep();
      const lost = lostValues();
      if (lost.length) {
        lostSince ??= clock.ms;
        if (clock.ms - lostSince > 3 * HOUR)
          credentials.push(`credential ${lost.join(",")} kept with no copy of its value for 3 h`);
      } else lostSince = undefined;
      // Sent rows are pruned after 7 days: an hourly look at the outbox sees every notice.
      phase("snapshot");
      if (minute === 55) await snapshotOutbox();
      clock.ms = Math.max(clock.ms, t);
    }
    await snapshotOutbox();
    if (gapStart !== undefined) gaps.push({ start: gapStart, end: clock.ms });
    if (activeBreak) endBreak(plan.breaks[bi]!);

    // Receipts: what the channels really got (mail names the keys; the card shows title and Since).
    const mails = emu.state.sentMail.map((m) => JSON.stringify(m.message));
    const cards = emu.state.teamsMessages.map((m) => JSON.stringify(m.body));
    // A card that groups several notices is matched notice by notice (one Container each), so the
    // title of one and the Since of another never make a match.
    const cardNotices = emu.state.teamsMessages.flatMap((m) => noticeContainers(m.body));
    const inner = (s: string) => JSON.stringify(s).slice(1, -1);
    // Card text is Markdown-escaped (inertMarkdown): match it as the card carries it.
    const shown = (s: string) => inner(inertMarkdown(s));
    // A card names no key: a notice is found by its title, check and Since, which the reminders of
    // one incident share; such a group's copies beyond one per member count as duplicates.
    const triple = (o: { title: string; since: string; check: string }) => `${o.title}\u0000${o.since}\u0000${o.check}`;
    const groupSize = new Map<string, number>();
    for (const o of outbox.values())
      if (o.channel === "teams") groupSize.set(triple(o), (groupSize.get(triple(o)) ?? 0) + 1);
    const firstOfGroup = new Set<string>();
    const notices: NoticeSeen[] = [...outbox.values()].map((o) => {
      let received: number;
      if (o.channel === "email") received = mails.filter((m) => m.includes(inner(o.key))).length;
      else {
        const matches = cardNotices.filter(
          (c) => c.includes(shown(o.title)) && c.includes(shown(o.since)) && c.includes(shown(o.check)),
        ).length;
        const size = groupSize.get(triple(o)) ?? 1;
        const first = !firstOfGroup.has(triple(o));
        firstOfGroup.add(triple(o));
        received = (matches > 0 ? 1 : 0) + (first ? Math.max(0, matches - size) : 0);
      }
      return { channel: o.channel, key: o.key, kind: o.kind, check: o.check, since: o.since, received };
    });
    endStep();
    // A crash between a send and its "sent" mark makes the send ambiguous on any channel.
    if (counts.crashes > 0) {
      ambiguous.add("teams");
      ambiguous.add("email");
    }

    // Secrets: what the channels got and the state rows, against every secret value the emulator ever held.
    gatherSecrets();
    scanOutput([...mails, ...cards, await dumpTable(tables.alerts), await dumpTable(tables.rotation)]);

    const trace: Trace = {
      seed,
      days,
      channels: ["teams", "email"],
      runs,
      notices,
      breaks: breaksDone,
      gaps,
      ambiguous: [...ambiguous],
      credentials,
      leaks: [...found],
      events,
    };
    const violations = checkInvariants(trace);
    const rotations = keeperApp(emu).passwordCredentials.filter((c) => c.displayName?.startsWith("keeper-monitor:"));
    const summary =
      `seed ${seed}: ${days} d, ${counts.ticks} invocations, ${counts.faults} faults, ${counts.crashes} crashes, ` +
      `${counts.breaks} breaks, ${gaps.length} gaps, ${plan.signInLogs ? "" : "no sign-in table, "}${notices.filter((x) => x.received).length} notices received, ` +
      `${rotations.length} rotated credential(s), keeper on ${emu.state.keeper.clientSecret === initialSecret ? "initial" : "rotated"} secret, ` +
      `${emu.calls.length} HTTP calls, ${((performance.now() - wallStart) / 1000).toFixed(1)} s wall, ` +
      `${cpuSeconds(process.cpuUsage(cpuStart)).toFixed(1)} s CPU (${Object.entries(wall)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
        .join(", ")}) → ${violations.length ? `${violations.length} VIOLATIONS` : "ok"}`;
    if (process.env["SIM_CALLS"] === "1") {
      const by = new Map<string, number>();
      for (const c of emu.calls) {
        const k = `${c.service} ${c.method} ${c.path.replace(/[0-9a-f-]{36}/gi, "{id}").slice(0, 200)}`;
        by.set(k, (by.get(k) ?? 0) + 1);
      }
      console.log(
        [...by]
          .sort((x, y) => y[1] - x[1])
          .map(([k, v]) => `${v}\t${k}`)
          .join("\n"),
      );
    }
    const stats: SeedStats = {
      seed,
      hours: (plan.end - plan.start) / HOUR,
      invocations: counts.ticks,
      faults: counts.faults,
      crashes: counts.crashes,
      breaks: counts.breaks,
      httpCalls: emu.calls.length,
      wallSeconds: (performance.now() - wallStart) / 1000,
      cpuSeconds: cpuSeconds(process.cpuUsage(cpuStart)),
      violations: violations.length,
    };
    return { trace, violations, summary, stats };
  } finally {
    await emu.stop();
  }
}

/**
 * A real change to one resource may fail every check of that resource (a stream that lost a
 * column also breaks the transform that reads it): the checks of the same resource are allowed.
 */
export function sameResource(checks: readonly string[]): string[] {
  const families = new Set(checks.map((c) => c.split(".")[0]));
  return [...STRUCTURAL_CHECKS].filter((c) => families.has(c.split(".")[0]) || checks.includes(c));
}

/** The per-notice Containers of a Teams card (each holds its title and its facts), as JSON. */
export function noticeContainers(body: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== "object") return;
    const o = x as Record<string, unknown>;
    if (o["type"] === "Container" && Array.isArray(o["items"]) && o["items"].some((i) => isFactSet(i)))
      out.push(JSON.stringify(o));
    Object.values(o).forEach(walk);
  };
  walk(body);
  return out.length ? out : [JSON.stringify(body)];
}

const isFactSet = (x: unknown) => typeof x === "object" && x !== null && (x as { type?: unknown }).type === "FactSet";

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function nextStep(ms: number): number {
  return Math.floor(ms / (5 * MIN)) * 5 * MIN + 5 * MIN;
}

/**
 * The fleet stage of the benchmark: one fresh process per fleet size N, against an emulator whose
 * world holds N Keeper connectors spread over workspaces of 10 (emulator/fleet.ts). run.ts starts
 * it (node --expose-gc, the emulator's certificate trusted) once per size:
 *
 *   node .cache/bench/fleet.mjs     (env BENCH_EMU, BENCH_STORAGE, BENCH_LATENCY_MS)
 *
 * The fleet is built as the Function App builds it: createFleet({ env }) with
 * KEEPER_WORKSPACE_RESOURCE_ID listing the workspaces and no connector setting (discovery on),
 * the monitor's client secret as its identity. A sweep is what the drift and ingestion timers do:
 * their real handlers (triggersFor) queue one check per target on Azurite's Queue service, and the
 * queue-triggered checkTarget runs them as one instance of the host would (HOST_BATCH at once),
 * each under its lease, recording each run in that target's Table storage. Alert delivery runs
 * every target in its timer (at most TARGET_CONCURRENCY at once).
 *
 * Prints one JSON line (FleetRun).
 */
import { control } from "./control.js";
import * as func from "@azure/functions";
import { readFileSync } from "node:fs";
import { QueueClient } from "@azure/storage-queue";
import { createFleet, type Target } from "../../src/app/fleet.js";
import { CHECK_QUEUE } from "../../src/app/checkQueue.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import { triggersFor } from "../../src/functions/triggers.js";
import type { RunRecord } from "../../src/core/notifier.js";
import { countingProxy, type Call } from "./storageProxy.js";
import { mapLimit } from "../../src/core/mapLimit.js";

interface EmuInfo {
  url: string;
  settings: Record<string, string>;
  control: string;
  workspaces: string[];
}

/** Calls of one measured step, by service (storage: Table storage through the counting proxy). */
export type CallCounts = Record<string, number>;

export interface Mem {
  /** V8 heap in use after a full GC (bytes) */
  heap: number;
  rss: number;
}

export interface Sweep {
  ms: number;
  /** CPU time of this process and of the emulator's during the sweep */
  cpuMs: number;
  emulatorCpuMs: number;
  calls: CallCounts;
  /** ARM reads a second over the sweep */
  armPerSecond: number;
  /** ARM reads answered 429 (only when the emulator throttles) */
  throttled: number;
  /** targets whose recorded run had a finding that is not ok, and which checks */
  notOk: number;
  notOkChecks: string[];
}

export interface FleetRun {
  n: number;
  /** set by run.ts: the emulator throttled ARM reads as Azure documents */
  armThrottled?: boolean;
  workspaces: number;
  concurrency: number;
  load: { ms: number; calls: CallCounts; targets: number };
  /** the first drift run of this fresh process, for the fleet's first target alone */
  firstTarget: { ms: number; calls: CallCounts };
  /** the first sweep (each target's first run: its tokens are cached, its tables made) */
  firstDrift: Sweep;
  drift: Sweep;
  ingestion: Sweep;
  /** the rotation timer with nothing due, and the alert outbox delivery timer with nothing to send */
  rotation: Sweep;
  delivery: Sweep;
  mem: {
    start: Mem;
    loaded: Mem;
    beforeSweep: Mem;
    afterSweep: Mem;
    /** most heap in use seen while the warm sweeps ran (sampled every 20 ms, no forced GC) */
    peakHeap: number;
    /** the process's peak RSS (VmHWM) */
    peakRss: number;
  };
}

const emu = JSON.parse(process.env["BENCH_EMU"] ?? "{}") as EmuInfo;
const ctl = <T>(path: string, body?: unknown): Promise<T> => control<T>(emu.control, path, body);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function mem(): Mem {
  gc!();
  gc!();
  return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
}

const proxy = await countingProxy(process.env["BENCH_STORAGE"] ?? "");
const env: Record<string, string> = {
  CALL_TIMEOUT_SECONDS: "10",
  RUN_BUDGET_SECONDS: "60",
  ...emu.settings,
  AzureWebJobsStorage: proxy.connectionString,
};
for (const name of DISCOVERABLE_SETTINGS) delete env[name];
env["KEEPER_WORKSPACE_RESOURCE_ID"] = emu.workspaces.join(",");

const countBy = (calls: Array<{ service: string }>): CallCounts => {
  const out: CallCounts = {};
  for (const c of calls) out[c.service] = (out[c.service] ?? 0) + 1;
  return out;
};

/** One measured step: the emulator's call log and the storage proxy's, reset before it. */
async function measured(
  step: () => Promise<unknown>,
): Promise<{ ms: number; calls: CallCounts; all: Array<Call & { status?: number }> }> {
  await ctl("/reset");
  proxy.calls.length = 0;
  const t0 = performance.now();
  await step();
  const ms = performance.now() - t0;
  const { calls } = await ctl<{ calls: Array<Call & { status?: number }> }>("/calls");
  const all = [...calls, ...proxy.calls];
  return { ms, calls: countBy(all), all };
}

const notOk = { count: 0, checks: new Set<string>() };
const onRecord = (r: RunRecord) => {
  const bad = r.findings.filter((f) => f.status !== "ok");
  if (bad.length) notOk.count++;
  for (const f of bad) notOk.checks.add(`${r.source}:${f.check}=${f.status}`);
};

const start = mem();
const fleet = createFleet({ env, onRecord, log: { info: () => {}, warn: () => {}, error: () => {} } });
let targets: readonly Target[] = [];
const load = await measured(async () => (targets = await fleet.load()));
// Each target's own Key Vault secret, as an administrator stores it once per connector.
await ctl(
  "/secrets",
  targets.map((t) => {
    const c = t.app.getMonitor().config;
    return { name: c.keyVault!.secretName, appId: c.keeper.appId };
  }),
);
const loaded = mem();

const lines: string[] = [];
const context = () =>
  new func.InvocationContext({
    invocationId: "bench",
    functionName: "bench",
    logHandler: (_level, ...a) => void (lines.length < 50 && lines.push(a.map(String).join(" "))),
  });
const triggers = triggersFor(fleet, env);
const timer = (name: string) => {
  const t = triggers.find((x) => x.name === name);
  if (t?.kind !== "timer") throw new Error(name);
  return () => t.handler({ isPastDue: false } as func.Timer, context()) as Promise<void>;
};
/** host.json extensions.queues.batchSize: the messages one instance runs at once. */
const HOST_BATCH = (
  JSON.parse(readFileSync(new URL("../../host.json", import.meta.url), "utf8")) as {
    extensions: { queues: { batchSize: number } };
  }
).extensions.queues.batchSize;
const checkTargetDef = triggers.find((x) => x.name === "checkTarget");
if (checkTargetDef?.kind !== "queue") throw new Error("checkTarget");
const checkTarget = checkTargetDef.handler;
const hostQueue = new QueueClient(proxy.connectionString, CHECK_QUEUE);
/**
 * What the Functions host does with the check queue, as one instance: takes messages (32 a
 * request) and runs HOST_BATCH at once (host.json extensions.queues.batchSize), deleting each that
 * completes. Its calls go through the storage proxy, so they count as queue transactions.
 */
async function drain(): Promise<void> {
  for (;;) {
    const got = (await hostQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 }))
      .receivedMessageItems;
    if (!got.length) return;
    await mapLimit(got, HOST_BATCH, async (m) => {
      const body: unknown = JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8"));
      await checkTarget(body, context());
      await hostQueue.deleteMessage(m.messageId, m.popReceipt);
    });
  }
}
/** A timer and, with several targets, the checks it queued, run as the host runs them. */
const queued = (run: () => Promise<void>) => async () => {
  await run();
  if (targets.length > 1) await drain();
};
const driftTimer = queued(timer("driftCheck"));
const ingestionTimer = queued(timer("ingestionWatch"));
const rotationTimer = queued(timer("secretRotation"));
const deliveryTimer = timer("alertDelivery");

const firstTarget = await measured(() => targets[0]!.app.getMonitor().runDriftChecks());

async function sweep(run: () => Promise<void>): Promise<Sweep> {
  notOk.count = 0;
  notOk.checks.clear();
  const cpu0 = process.cpuUsage();
  const emu0 = (await ctl<{ ms: number }>("/cpu")).ms;
  const m = await measured(run);
  const cpu = process.cpuUsage(cpu0);
  const emu1 = (await ctl<{ ms: number }>("/cpu")).ms;
  return {
    ms: m.ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    emulatorCpuMs: emu1 - emu0,
    calls: m.calls,
    armPerSecond: (m.calls["arm"] ?? 0) / (m.ms / 1000),
    throttled: m.all.filter((c) => c.service === "arm" && c.status === 429).length,
    notOk: notOk.count,
    notOkChecks: [...notOk.checks].slice(0, 8),
  };
}

const firstDrift = await sweep(driftTimer);
await ingestionTimer(); // each target's first watch reads its workspace's customer id once
const beforeSweep = mem();
let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
const drift = await sweep(driftTimer);
const ingestion = await sweep(ingestionTimer);
clearInterval(sampler);
const afterSweep = mem();
await rotationTimer(); // each target's first rotation run makes its state table
const rotation = await sweep(rotationTimer);
await deliveryTimer();
const delivery = await sweep(deliveryTimer);
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];

const result: FleetRun = {
  n: targets.length,
  workspaces: emu.workspaces.length,
  concurrency: targets.length > 1 ? HOST_BATCH : 1,
  load: { ms: load.ms, calls: load.calls, targets: targets.length },
  firstTarget: { ms: firstTarget.ms, calls: firstTarget.calls },
  firstDrift,
  drift,
  ingestion,
  rotation,
  delivery,
  mem: {
    start,
    loaded,
    beforeSweep,
    afterSweep,
    peakHeap,
    peakRss: hwm ? Number(hwm) * 1024 : process.resourceUsage().maxRSS * 1024,
  },
};
proxy.close();
console.log(JSON.stringify(result));
process.exit(0);

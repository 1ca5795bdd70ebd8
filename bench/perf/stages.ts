/**
 * The measured side of the benchmark, run by bench/perf/run.ts in a child process that trusts the
 * emulator's certificate (NODE_EXTRA_CA_CERTS is read only at process start). One stage per run:
 *
 *   tsx bench/perf/stages.ts calls|timing|first|growth|memory   (env BENCH_EMU, BENCH_STORAGE)
 *
 * `first` is the first drift run of this (fresh) process: run.ts starts it in several processes.
 *
 * Prints one JSON line with the stage's figures.
 */
import type { TokenCredential } from "@azure/core-auth";
import { loadConfig, type Config } from "../../src/config/loadConfig.js";
import { createMonitor, expectedFromConfig, targetFromConfig, type Monitor } from "../../src/app/monitor.js";
import { createCredential } from "../../src/azure/credential.js";
import { connectorReader } from "../../src/azure/connectorReader.js";
import { createAdapters } from "../../src/app/clients.js";
import type { ConnectorReader } from "../../src/checks/collect.js";
import { runDriftChecks, type FindingProvider } from "../../src/checks/runDriftChecks.js";
import type { Logger } from "../../src/core/logger.js";
import { control } from "./control.js";
import { countingProxy } from "./storageProxy.js";

interface EmuInfo {
  url: string;
  settings: Record<string, string>;
  control: string;
}
import type { Call } from "./storageProxy.js";
export type { Call };
export interface Reply {
  bytes: number;
  rows: number;
}

const emu = JSON.parse(process.env["BENCH_EMU"] ?? "{}") as EmuInfo;
const ctl = <T>(path: string): Promise<T> => control<T>(emu.control, path);
const reset = () => ctl("/reset");
const calls = () => ctl<{ calls: Call[]; replies: Reply[] }>("/calls");
const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** With IDENTITY_ENDPOINT in the environment the process is a Function App: its managed identity, no secret. */
const managed = Boolean(process.env["IDENTITY_ENDPOINT"]);

function config(storage: string | undefined): Config {
  return loadConfig({
    CALL_TIMEOUT_SECONDS: "10",
    RUN_BUDGET_SECONDS: "60",
    ...emu.settings,
    ...(managed ? { AZURE_CLIENT_SECRET: "", AZURE_TENANT_ID: "" } : {}),
    ...(storage ? { AzureWebJobsStorage: storage } : {}),
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Calls of one run, measured after a reset of the emulator's call log. */
async function measured<T>(run: () => Promise<T>): Promise<{ ms: number; calls: Call[]; replies: Reply[]; value: T }> {
  await reset();
  storageCalls.length = 0;
  const t0 = performance.now();
  const value = await run();
  const ms = performance.now() - t0;
  const emulated = await calls();
  return { ms, value, replies: emulated.replies, calls: [...emulated.calls, ...storageCalls] };
}

/** Every call of the reader waits for the previous one: what a script that reads one thing at a time does. */
function oneAtATime(reader: ConnectorReader): {
  reader: ConnectorReader;
  after: <T>(f: () => Promise<T>) => Promise<T>;
} {
  let tail: Promise<unknown> = Promise.resolve();
  const after = <T>(f: () => Promise<T>): Promise<T> => {
    const next = tail.then(f, f);
    tail = next.catch(() => undefined);
    return next;
  };
  const vault = reader.getVaultSecret;
  return {
    after,
    reader: {
      getWorkspace: () => after(() => reader.getWorkspace()),
      getTable: () => after(() => reader.getTable()),
      getDcr: () => after(() => reader.getDcr()),
      getDce: (id) => after(() => reader.getDce(id)),
      getApplication: () => after(() => reader.getApplication()),
      getServicePrincipal: () => after(() => reader.getServicePrincipal()),
      listRoleAssignments: (p) => after(() => reader.listRoleAssignments(p)),
      listRoleAssignmentsNearby: (p) => after(() => reader.listRoleAssignmentsNearby(p)),
      getVaultSecret: vault ? () => after(vault) : undefined,
    },
  };
}

/** The sequential baseline: the same drift run (checks + rotation findings) with every call one after another. */
function sequentialRun(cfg: Config, credential: TokenCredential): () => Promise<unknown> {
  const adapters = createAdapters(cfg, credential);
  const now = () => new Date();
  const rotation = createMonitor(cfg, { credential, now }).rotation;
  const expected = expectedFromConfig(cfg);
  const target = targetFromConfig(cfg);
  return () => {
    const ctx = { callTimeoutMs: cfg.callTimeoutMs, budget: AbortSignal.timeout(cfg.runBudgetMs) };
    const { reader, after } = oneAtATime(connectorReader(adapters, cfg, ctx));
    // the rotation's reads start only after the drift reads are done
    const provider: FindingProvider = (drift) => drift.then(() => after(() => rotation.provider(drift)));
    return runDriftChecks({ reader, expected, target, now, providers: [provider] });
  };
}

/** Waves of concurrent calls: a call that arrives more than 60 % of a latency after its wave began starts a new one. */
function waves(cs: Call[], latencyMs: number): number {
  const ts = cs.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
  let n = 0;
  let start = -Infinity;
  for (const t of ts)
    if (t - start > 0.6 * latencyMs) {
      n++;
      start = t;
    }
  return n;
}

async function stageCalls(m: Monitor) {
  const drift = () => m.runDriftChecks();
  const cold = await measured(drift);
  const warm = await measured(drift);
  await m.runAll(); // the ingestion provider's first run reads the workspace's customer id once
  const all = await measured(() => m.runAll());
  const ingestionFirst = await measured(() => m.runIngestionWatch());
  const ingestion = await measured(() => m.runIngestionWatch());
  const rotationFirst = await measured(() => m.rotation.run(silent));
  const rotation = await measured(() => m.rotation.run(silent));
  const pick = (r: { calls: Call[] }) => r.calls.map(({ service, method, path }) => ({ service, method, path }));
  return {
    drift: { cold: pick(cold), warm: pick(warm), coldMs: cold.ms },
    driftAll: pick(all),
    ingestion: { first: pick(ingestionFirst), warm: pick(ingestion) },
    rotation: { first: pick(rotationFirst), warm: pick(rotation), ran: rotation.value.ran },
  };
}

/** The first drift run of a fresh process: token requests, authority discovery and connections included. */
async function stageFirst(m: Monitor, latencyMs: number) {
  const cpu0 = process.cpuUsage();
  const first = await measured(() => m.runDriftChecks());
  const cpu = process.cpuUsage(cpu0);
  const calls = first.calls.map(({ service, method, path }) => ({ service, method, path }));
  return { ms: first.ms, cpuMs: (cpu.user + cpu.system) / 1000, waves: waves(first.calls, latencyMs), calls };
}

async function stageTiming(m: Monitor, cfg: Config, credential: TokenCredential, latencyMs: number, runs: number) {
  const drift = () => m.runDriftChecks();
  await drift(); // the first run of the process (tokens, discovery) is the `first` stage's
  const sequential = sequentialRun(cfg, credential);
  await sequential(); // its own adapters: warm their connections too
  const conc: number[] = [];
  const seq: number[] = [];
  const wavesSeen: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = await measured(drift);
    conc.push(c.ms);
    wavesSeen.push(waves(c.calls, latencyMs));
    seq.push((await measured(sequential)).ms);
  }
  // the longest chain alone, through the same clients: DCR → its DCE
  const reader = connectorReader(createAdapters(cfg, credential), cfg, {
    callTimeoutMs: cfg.callTimeoutMs,
    budget: AbortSignal.timeout(cfg.runBudgetMs),
  });
  const chain: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const dcr = await reader.getDcr();
    if (dcr.kind === "found" && dcr.value.dataCollectionEndpointId)
      await reader.getDce(dcr.value.dataCollectionEndpointId);
    chain.push(performance.now() - t0);
  }
  return {
    concurrentMs: median(conc),
    sequentialMs: median(seq),
    chainAloneMs: median(chain.slice(1)),
    waves: Math.max(...wavesSeen),
    runs,
  };
}

async function stageGrowth(m: Monitor, days: number[], runs: number) {
  const out: Array<{ days: number; tableRows: number; ms: number; queries: number; rows: number; bytes: number }> = [];
  for (const d of days) {
    const { rows: tableRows } = await ctl<{ rows: number }>(`/history?days=${d}`);
    await m.runIngestionWatch();
    const ms: number[] = [];
    let last: Awaited<ReturnType<typeof measured>> | undefined;
    for (let i = 0; i < runs; i++) {
      last = await measured(() => m.runIngestionWatch());
      ms.push(last.ms);
    }
    const logs = last!.calls.filter((c) => c.service === "logs").length;
    out.push({
      days: d,
      tableRows,
      ms: median(ms),
      queries: logs,
      rows: last!.replies.reduce((n, r) => n + r.rows, 0),
      bytes: last!.replies.reduce((n, r) => n + r.bytes, 0),
    });
  }
  return out;
}

async function stageMemory(m: Monitor) {
  const before = process.resourceUsage().maxRSS;
  await m.runAll();
  await m.runIngestionWatch();
  await m.runAll();
  await m.runIngestionWatch();
  const { readFileSync } = await import("node:fs");
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return { maxRssKiB: process.resourceUsage().maxRSS, vmHwmKiB: hwm ? Number(hwm) : undefined, beforeKiB: before };
}

const stage = process.argv[2];
// Only the call count needs the proxy; timings talk to Azurite directly.
const proxy =
  stage === "calls" && process.env["BENCH_STORAGE"] ? await countingProxy(process.env["BENCH_STORAGE"]) : undefined;
const storageCalls: Call[] = proxy?.calls ?? [];
const cfg = config(proxy?.connectionString ?? process.env["BENCH_STORAGE"]);
const credential = createCredential(cfg);
const m = createMonitor(cfg, { credential });
const latencyMs = Number(process.env["BENCH_LATENCY_MS"] ?? 50);
const runs = Number(process.env["BENCH_RUNS"] ?? 15);
let result: unknown;
if (stage === "calls") result = await stageCalls(m);
else if (stage === "timing") result = await stageTiming(m, cfg, credential, latencyMs, runs);
else if (stage === "first") result = await stageFirst(m, latencyMs);
else if (stage === "growth") result = await stageGrowth(m, [1, 7, 14, 30, 90], 5);
else if (stage === "memory") result = await stageMemory(m);
else throw new Error(`unknown stage '${stage}' (calls, timing, first, growth, memory)`);
proxy?.close();
console.log(JSON.stringify(result));

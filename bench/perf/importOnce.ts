// Child of the cold-start benchmark: imports one build of src/index in a fresh process and reports
// how long the import took and whether it opened a socket or looked up a name (it must not: the
// monitor is built on the first invocation). run.ts compiles it to plain JS, so no loader is timed.
//   node .cache/bench/importOnce.mjs <file>
import dns from "node:dns";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

const seen = { connects: 0, lookups: 0 };
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied with its own `this` below
const connect = net.Socket.prototype.connect as (...a: unknown[]) => net.Socket;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  seen.connects++;
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (this: unknown, ...args: unknown[]) {
  seen.lookups++;
  return (lookup as (...a: unknown[]) => void).apply(this, args);
} as typeof lookup;

const t0 = performance.now();
const c0 = process.cpuUsage();
const cpuMs = () => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
let error: string | undefined;
let importMs = NaN;
let readyMs = NaN;
let importCpuMs = NaN;
let readyCpuMs = NaN;
try {
  const mod = (await import(pathToFileURL(process.argv[2] ?? "").href)) as {
    loadMonitorModules?: () => Promise<unknown>;
  };
  importMs = performance.now() - t0;
  importCpuMs = cpuMs();
  // What the first invocation adds: the SDK modules the index loads lazily (nothing is built yet).
  await mod.loadMonitorModules?.();
  readyMs = performance.now() - t0;
  readyCpuMs = cpuMs();
} catch (e) {
  error = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e);
}
// Give anything the import scheduled (a timer, a promise) a turn to reach the network.
await sleep(200);
process.stdout.write(JSON.stringify({ ms: importMs, readyMs, importCpuMs, readyCpuMs, ...seen, error }) + "\n");
process.exit(0);

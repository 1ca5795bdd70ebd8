/**
 * Starts Azurite's Table and Queue services (the official Azure Storage emulator, from npm) each on a free
 * loopback port, with a throw-away account whose key is random for this run, so no storage key
 * is ever written down. Used by the test setup and by `npm start`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Azurite {
  /** A storage connection string for the account (AzureWebJobsStorage format). */
  connectionString: string;
  tableEndpoint: string;
  queueEndpoint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts one Azurite service (`table` or `queue`) for the account on a free loopback port. */
async function startService(
  service: "table" | "queue",
  env: NodeJS.ProcessEnv,
  location: string,
  timeoutMs: number,
): Promise<{ port: number; child: ChildProcess }> {
  const require = createRequire(import.meta.url);
  const main = path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", service, "main.js");
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      `--${service}Host`,
      "127.0.0.1",
      `--${service}Port`,
      String(port),
      "--location",
      location,
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Azurite ${service} did not start within ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    );
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (/successfully (started|listens)/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite ${service} exited with ${code}: ${output}`));
    });
  });
  return { port, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<Azurite> {
  const account = "keepermon";
  const key = randomBytes(64).toString("base64");
  const location = mkdtempSync(path.join(tmpdir(), "keeper-azurite-"));
  const env = { ...process.env, AZURITE_ACCOUNTS: `${account}:${key}` };
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = await Promise.allSettled([
    startService("table", env, path.join(location, "table"), timeoutMs),
    startService("queue", env, path.join(location, "queue"), timeoutMs),
  ]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const s of started) if (s.status === "fulfilled") await stopChild(s.value.child);
    rmSync(location, { recursive: true, force: true });
    throw failed.reason;
  }
  const [table, queue] = started.map((s) => (s as PromiseFulfilledResult<{ port: number; child: ChildProcess }>).value);
  const tableEndpoint = `http://127.0.0.1:${table!.port}/${account}`;
  const queueEndpoint = `http://127.0.0.1:${queue!.port}/${account}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};TableEndpoint=${tableEndpoint};QueueEndpoint=${queueEndpoint};`,
    tableEndpoint,
    queueEndpoint,
    stop: async () => {
      await Promise.all([stopChild(table!.child), stopChild(queue!.child)]);
      rmSync(location, { recursive: true, force: true });
    },
  };
}

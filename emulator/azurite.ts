/**
 * Starts Azurite's Table service (the official Azure Storage emulator, from npm) on a free
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

export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const main = path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");
  const account = "keepermon";
  const key = randomBytes(64).toString("base64");
  const location = mkdtempSync(path.join(tmpdir(), "keeper-azurite-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(port),
      "--location",
      location,
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
    ],
    { env: { ...process.env, AZURITE_ACCOUNTS: `${account}:${key}` }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 20_000} ms: ${output}`)),
      options.timeoutMs ?? 20_000,
    );
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (/successfully started/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${output}`));
    });
  });
  await started;
  const tableEndpoint = `http://127.0.0.1:${port}/${account}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};TableEndpoint=${tableEndpoint};`,
    tableEndpoint,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}

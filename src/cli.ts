#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigError } from "./config/loadConfig.js";
import { createApp } from "./app/compose.js";
import type { Monitor } from "./app/monitor.js";
import { renderText } from "./report/text.js";
import { exitCodeFor } from "./report/report.js";

const USAGE = `Usage: keeper-monitor check [--json]

Checks every piece the Keeper Security push connector needs (DCR, DCE, table, role,
app, secret, vault, event freshness) and prints what is wrong and how to fix it.
Settings come from the environment (see README, "Settings").

Exit codes: 0 all ok, 1 a problem found, 2 could not tell (unknown, bad settings, crash).`;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(USAGE + "\n");
    return 0;
  }
  if (command !== "check") {
    io.stderr(`keeper-monitor: unknown command "${command ?? ""}"\n\n${USAGE}\n`);
    return 2;
  }
  const unknownFlags = rest.filter((a) => a !== "--json");
  if (unknownFlags.length) {
    io.stderr(`keeper-monitor: unknown option ${unknownFlags.join(" ")}\n\n${USAGE}\n`);
    return 2;
  }
  const app = createApp({ env: io.env });
  await app.load();
  let monitor: Monitor;
  try {
    monitor = app.getMonitor();
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`keeper-monitor: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const report = await monitor.runAll();
  io.stdout(rest.includes("--json") ? JSON.stringify(report, null, 2) + "\n" : renderText(report));
  return exitCodeFor(report);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2), {
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `keeper-monitor: crashed: ${e instanceof Error ? e.name + ": " + e.message.split("\n")[0] : "error"}\n`,
      );
      process.exitCode = 2;
    },
  );
}

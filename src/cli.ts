#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CHECK_CATALOG } from "./core/finding.js";
import { ConfigError } from "./config/loadConfig.js";
import { createApp } from "./app/compose.js";
import type { Monitor } from "./app/monitor.js";
import { DEFAULT_WIDTH, renderText } from "./report/text.js";
import { exitCodeFor } from "./report/report.js";
import { selectChecks, unknownCheckIds } from "./report/select.js";
import { visible } from "./core/safeText.js";

const EXIT_CODES =
  "Exit codes: 0 all ok, 1 a problem found, 2 could not tell (unknown, bad settings, bad usage, crash).";

const USAGE = `Usage: keeper-monitor <command>

Commands:
  check           check every piece the Keeper connector needs: what is wrong, how to fix it
  endpoint-url    print the Endpoint URL Keeper's console needs, from live values
  help [command]  this text, or a command's

Options: --version, --help
Settings come from the environment (see README, "Settings").
${EXIT_CODES}
`;

const CHECK_USAGE = `Usage: keeper-monitor check [--json] [--only CHECK…] [--all]

Checks every piece the Keeper Security push connector needs (DCR, DCE, table, role, app, secret,
vault, event freshness) and prints the problems first, one fix each, then what could not be told,
then how many checks are ok.

  --json          print the Report as JSON (only JSON on stdout)
  --only CHECK…   only these checks, space- or comma-separated: --only dcr.exists role.assignment
  --all           list the ok checks too

${EXIT_CODES}
`;

const ENDPOINT_USAGE = `Usage: keeper-monitor endpoint-url

Prints the Endpoint URL to paste into Keeper's Admin Console (Reporting & Alerts → Azure Monitor
Logs), assembled from the live DCE and DCR, one line per connector and nothing else.
Exit codes: 0 printed, 2 it could not be assembled (the reason is on stderr).
`;

const HELP: Record<string, string> = { check: CHECK_USAGE, "endpoint-url": ENDPOINT_USAGE, help: USAGE };

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stdout is a terminal (colour, its width); piped when unset. */
  isTTY?: boolean;
  /** The terminal's columns, when stdout is one. */
  columns?: number;
}

/** The terminal's width: COLUMNS, else the TTY's columns, else 100. */
export function terminalWidth(io: Pick<CliIo, "env" | "isTTY" | "columns">): number {
  const fromEnv = Number(io.env["COLUMNS"]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  if (io.isTTY && io.columns !== undefined && io.columns > 0) return io.columns;
  return DEFAULT_WIDTH;
}

/** Colour only on a terminal, and never with NO_COLOR set (whatever its value). */
export const useColor = (io: Pick<CliIo, "env" | "isTTY">): boolean =>
  io.isTTY === true && io.env["NO_COLOR"] === undefined;

/** The version in package.json, found up from this file (src/ or dist/src/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "keeper-connector-monitor" && pkg.version) return pkg.version;
    } catch {
      // not here: one directory up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

interface CheckArgs {
  json: boolean;
  all: boolean;
  only?: string[];
  help: boolean;
}

function parseCheckArgs(args: readonly string[]): CheckArgs {
  const out: CheckArgs = { json: false, all: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") out.json = true;
    else if (a === "--all") out.all = true;
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const ids = a === "--only" ? [] : [a.slice("--only=".length)];
      while (a === "--only" && i + 1 < args.length && !args[i + 1]!.startsWith("-")) ids.push(args[++i]!);
      const split = ids.flatMap((x) => x.split(",")).filter(Boolean);
      if (!split.length) throw new UsageError("--only needs at least one check id", CHECK_USAGE);
      out.only = [...(out.only ?? []), ...split];
    } else throw new UsageError(`unknown option ${visible(a, 100)}`, CHECK_USAGE);
  }
  if (out.only) {
    const bad = unknownCheckIds(out.only);
    if (bad.length)
      throw new UsageError(
        `unknown check ${bad.map((b) => `"${visible(b, 100)}"`).join(", ")}; the checks are:\n  ${CHECK_CATALOG.join("\n  ")}`,
        "",
      );
  }
  return out;
}

/** The monitor from the settings (built once by the composition root), or undefined after saying what is wrong. */
async function monitorFor(io: CliIo): Promise<Monitor | undefined> {
  const app = createApp({ env: io.env });
  await app.load();
  try {
    return app.getMonitor();
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`keeper-monitor: ${e.message}\n`);
      return undefined;
    }
    throw e;
  }
}

async function check(args: readonly string[], io: CliIo): Promise<number> {
  const opts = parseCheckArgs(args);
  if (opts.help) {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  const monitor = await monitorFor(io);
  if (!monitor) return 2;
  const full = await monitor.runAll();
  const report = opts.only ? selectChecks(full, opts.only) : full;
  io.stdout(
    opts.json
      ? JSON.stringify(report, null, 2) + "\n"
      : renderText(report, { width: terminalWidth(io), color: useColor(io), all: opts.all }),
  );
  return exitCodeFor(report);
}

async function endpointUrl(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(ENDPOINT_USAGE);
    return 0;
  }
  if (args.length) throw new UsageError(`unknown option ${visible(args[0]!, 100)}`, ENDPOINT_USAGE);
  const monitor = await monitorFor(io);
  if (!monitor) return 2;
  // the drift checks alone: the Endpoint URL needs no event query
  const report = await monitor.runDriftChecks();
  if (report.target.endpointUrl) {
    io.stdout(visible(report.target.endpointUrl, 500) + "\n");
    return 0;
  }
  // Why not: what the DCE checks could not read, or what is missing.
  const why = ["dce.endpoint", "dce.exists", "dcr.exists"]
    .map((c) => report.findings.find((f) => f.check === c && f.status !== "ok"))
    .filter((f) => f !== undefined)
    .map((f) => `${f.check}: ${visible(f.summary)}`);
  io.stderr(
    `keeper-monitor: the Endpoint URL could not be assembled from live values.\n${why.map((w) => `  ${w}\n`).join("")}`,
  );
  return 2;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr(USAGE);
        return 2;
      case "--version":
      case "-V":
        io.stdout(`keeper-monitor ${packageVersion()}\n`);
        return 0;
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return 0;
      case "help": {
        const topic = rest[0];
        if (topic === undefined) {
          io.stdout(USAGE);
          return 0;
        }
        const text = HELP[topic];
        if (text === undefined) throw new UsageError(`no such command "${visible(topic, 100)}"`, USAGE);
        io.stdout(text);
        return 0;
      }
      case "check":
        return await check(rest, io);
      case "endpoint-url":
        return await endpointUrl(rest, io);
      default:
        throw new UsageError(`unknown command "${visible(command, 100)}"`, USAGE);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`keeper-monitor: ${e.message}\n${e.usage ? `\n${e.usage}` : ""}`);
    return 2;
  }
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
  // stdout carries the command's output alone (JSON with --json): any log line goes to stderr
  console.log = console.info = console.debug = console.error;
  main(process.argv.slice(2), {
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stdout.isTTY === true,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
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

#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CHECK_CATALOG } from "./core/finding.js";
import { ConfigError } from "./config/loadConfig.js";
import { createFleet } from "./app/fleet.js";
import type { Monitor } from "./app/monitor.js";
import { DEFAULT_WIDTH, renderText } from "./report/text.js";
import { exitCodeFor } from "./report/report.js";
import { selectChecks, unknownCheckIds } from "./report/select.js";
import { visible } from "./core/safeText.js";
import type { KeeperValue } from "./core/valueSource.js";
import { DISCOVERABLE_SETTINGS, SOURCE_KEY } from "./config/discovered.js";
import type { Report } from "./report/report.js";
import { mapLimit } from "./core/mapLimit.js";

const EXIT_CODES =
  "Exit codes: 0 all ok, 1 a problem found, 2 could not tell (unknown, bad settings, bad usage, crash).";

const USAGE = `Usage: keeper-monitor <command>

Commands:
  check           check every piece the Keeper connector needs: what is wrong, how to fix it
  endpoint-url    print the Endpoint URL Keeper's console needs, from live values
  discover        find the connector's values from the workspace: what, from where, the Endpoint URL
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

const DISCOVER_USAGE = `Usage: keeper-monitor discover [--json]

With KEEPER_WORKSPACE_RESOURCE_ID set (and the cloud and the monitor's identity), finds the Keeper
connector's values that are not set: Sentinel's record of the Keeper connector (app id, DCR
immutable id, DCE URI, stream), the DCR with that immutable id (resource id, table) and the tenant
of the monitor's own token. Prints each value and where it came from (setting, sentinel, monitor,
default), what to know (several connectors, the record's DCR gone), and the Endpoint URL
assembled from the live DCE and DCR. Settings that are set always win.

  --json          print the same as JSON (only JSON on stdout)

Exit codes: 0 found, 2 nothing found or an error (the reason is on stderr).
`;

const HELP: Record<string, string> = {
  check: CHECK_USAGE,
  "endpoint-url": ENDPOINT_USAGE,
  discover: DISCOVER_USAGE,
  help: USAGE,
};

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

/** A watched connector as the CLI runs it: its monitor, or why it has none. */
interface CliTarget {
  key: string;
  label: string;
  monitor?: Monitor;
  error?: ConfigError;
}

/**
 * The connectors the settings name, each with its monitor (built once by its composition root),
 * and whether there are several. One connector whose settings are bad: undefined, after saying why.
 */
async function targetsFor(io: CliIo): Promise<{ several: boolean; targets: CliTarget[] } | undefined> {
  const fleet = createFleet({ env: io.env });
  const found = await fleet.load();
  const targets = found.map((t): CliTarget => {
    try {
      return { key: t.key, label: t.label, monitor: t.app.getMonitor() };
    } catch (e) {
      if (e instanceof ConfigError) return { key: t.key, label: t.label, error: e };
      throw e;
    }
  });
  const several = fleet.several();
  if (!several && targets[0]?.error) {
    io.stderr(`keeper-monitor: ${targets[0].error.message}\n`);
    return undefined;
  }
  for (const t of targets)
    if (t.error) io.stderr(`keeper-monitor: ${visible(t.label, 150)} (${t.key}): ${t.error.message}\n`);
  return { several, targets };
}

/** At most this many connectors are checked at once. */
const CLI_CONCURRENCY = 4;

async function check(args: readonly string[], io: CliIo): Promise<number> {
  const opts = parseCheckArgs(args);
  if (opts.help) {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  const fleet = await targetsFor(io);
  if (!fleet) return 2;
  const reports = await mapLimit(fleet.targets, CLI_CONCURRENCY, async (t) => {
    if (!t.monitor) return undefined;
    const full = await t.monitor.runAll();
    return opts.only ? selectChecks(full, opts.only) : full;
  });
  const text = (r: Report) => renderText(r, { width: terminalWidth(io), color: useColor(io), all: opts.all });
  if (!fleet.several) {
    const report = reports[0]!;
    io.stdout(opts.json ? JSON.stringify(report, null, 2) + "\n" : text(report));
    return exitCodeFor(report);
  }
  const done = reports.filter((r) => r !== undefined);
  const failed = fleet.targets.filter((t) => t.error);
  const code = Math.max(failed.length ? 2 : 0, ...done.map(exitCodeFor));
  if (opts.json) {
    const envelope = {
      version: 1,
      status: code === 0 ? "ok" : code === 1 ? "problem" : "unknown",
      reports: done,
      ...(failed.length
        ? {
            errors: failed.map((t) => ({
              target: t.key,
              label: t.label,
              error: "invalid settings",
              settings: t.error!.problems.map((p) => p.setting),
            })),
          }
        : {}),
    };
    io.stdout(JSON.stringify(envelope, null, 2) + "\n");
  } else
    io.stdout(
      fleet.targets
        .map((t, i) => {
          const head = `== ${visible(t.label, 150)} (${t.key})`;
          const r = reports[i];
          return r
            ? `${head}\n${text(r)}`
            : `${head}\ncould not check: invalid settings (${t.error!.problems.map((p) => p.setting).join(", ")})\n`;
        })
        .join("\n"),
    );
  return code;
}

async function endpointUrl(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(ENDPOINT_USAGE);
    return 0;
  }
  if (args.length) throw new UsageError(`unknown option ${visible(args[0]!, 100)}`, ENDPOINT_USAGE);
  const fleet = await targetsFor(io);
  if (!fleet) return 2;
  let code = 0;
  for (const t of fleet.targets) {
    if (!t.monitor) {
      code = 2;
      continue;
    }
    // the drift checks alone: the Endpoint URL needs no event query
    const report = await t.monitor.runDriftChecks();
    if (report.target.endpointUrl) {
      const url = visible(report.target.endpointUrl, 500);
      io.stdout(fleet.several ? `${t.key} ${url}\n` : url + "\n");
      continue;
    }
    code = 2;
    // Why not: what the DCE checks could not read, or what is missing.
    const why = ["dce.endpoint", "dce.exists", "dcr.exists"]
      .map((c) => report.findings.find((f) => f.check === c && f.status !== "ok"))
      .filter((f) => f !== undefined)
      .map((f) => `${f.check}: ${visible(f.summary)}`);
    io.stderr(
      `keeper-monitor: ${fleet.several ? `${t.key}: ` : ""}the Endpoint URL could not be assembled from live values.\n${why.map((w) => `  ${w}\n`).join("")}`,
    );
  }
  return code;
}

/** The label `discover` prints for each value. */
const DISCOVERED_LABEL: Readonly<Record<KeeperValue, string>> = {
  tenantId: "tenant",
  appId: "Keeper app id",
  dcrId: "DCR",
  dcrImmutableId: "DCR immutable id",
  dceUri: "DCE URI",
  streamName: "stream",
  tableName: "table",
};
/** The values `discover` prints, in the settings' order: value, label, the setting it stands for. */
const DISCOVERED_ROWS: ReadonlyArray<[KeeperValue, string, string]> = DISCOVERABLE_SETTINGS.map((setting) => [
  SOURCE_KEY[setting],
  DISCOVERED_LABEL[SOURCE_KEY[setting]],
  setting,
]);

async function discoverCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(DISCOVER_USAGE);
    return 0;
  }
  const json = args.includes("--json");
  const stray = args.find((a) => a !== "--json");
  if (stray !== undefined) throw new UsageError(`unknown option ${visible(stray, 100)}`, DISCOVER_USAGE);
  const fleet = await targetsFor(io);
  if (!fleet) return 2;
  const found = await Promise.all(
    fleet.targets.map((t) => (t.monitor ? discoveredOf(t.monitor) : Promise.resolve(undefined))),
  );
  if (json) {
    const one = (d: Discovery, t: CliTarget) => ({ ...(fleet.several ? { target: t.key } : {}), ...d.json });
    const items = fleet.targets.flatMap((t, i) => (found[i] ? [one(found[i], t)] : []));
    io.stdout(JSON.stringify(fleet.several ? { version: 1, connectors: items } : items[0], null, 2) + "\n");
  } else
    io.stdout(
      fleet.targets
        .map((t, i) =>
          found[i]
            ? `${fleet.several ? `== ${visible(t.label, 150)} (${t.key})\n` : ""}${found[i].text}`
            : `== ${visible(t.label, 150)} (${t.key})\nnot found: ${t.error!.problems.map((p) => visible(p.message, 600)).join("; ")}\n`,
        )
        .join("\n"),
    );
  return found.every((f) => f !== undefined) ? 0 : 2;
}

interface Discovery {
  json: Record<string, unknown>;
  text: string;
}

/** What `discover` prints for one connector: each value and where it came from, and the Endpoint URL. */
async function discoveredOf(monitor: Monitor): Promise<Discovery> {
  const k = monitor.config.keeper;
  const valueOf: Record<KeeperValue, string> = {
    tenantId: k.tenantId,
    appId: k.appId,
    dcrId: k.dcr.id,
    dcrImmutableId: k.dcrImmutableId,
    dceUri: k.dceUri,
    streamName: k.streamName,
    tableName: k.tableName,
  };
  // the drift checks alone: the Endpoint URL from the live DCE and DCR
  const report = await monitor.runDriftChecks();
  const endpointUrl = report.target.endpointUrl;
  const discovery = monitor.config.discovery;
  const warnings = (discovery?.warnings ?? []).map((w) => visible(w, 600));
  const values = Object.fromEntries(
    DISCOVERED_ROWS.map(([key]) => [key, { value: visible(valueOf[key], 500), source: k.sources[key] }]),
  );
  const json = {
    workspace: k.workspace.id,
    ...(discovery?.connectorName ? { connector: visible(discovery.connectorName, 200) } : {}),
    values,
    warnings,
    ...(endpointUrl ? { endpointUrl: visible(endpointUrl, 500) } : {}),
  };
  const lines: string[] = [];
  lines.push(
    discovery
      ? `Keeper connector ${visible(discovery.connectorName ?? "", 200)} found in Sentinel (workspace ${k.workspace.id})`
      : `Every connector value is set (workspace ${k.workspace.id}): nothing was looked up`,
    "",
  );
  const width = Math.max(...DISCOVERED_ROWS.map(([, label]) => label.length));
  for (const [key, label, setting] of DISCOVERED_ROWS)
    lines.push(`  ${label.padEnd(width)}  ${visible(valueOf[key], 500)}  (${k.sources[key]}; setting ${setting})`);
  if (warnings.length) lines.push("", "To know:", ...warnings.map((w) => `  - ${w}`));
  lines.push("", endpointUrl ? `Endpoint URL: ${visible(endpointUrl, 500)}` : endpointWhy(report));
  return { json, text: lines.join("\n") + "\n" };
}

/** Why the Endpoint URL could not be assembled: what the DCE and DCR checks could not read, or what is missing. */
function endpointWhy(report: Report): string {
  const why = ["dce.endpoint", "dce.exists", "dcr.exists"]
    .map((c) => report.findings.find((f) => f.check === c && f.status !== "ok"))
    .filter((f) => f !== undefined)
    .map((f) => `  ${f.check}: ${visible(f.summary)}`);
  return ["Endpoint URL: could not be assembled from live values.", ...why].join("\n");
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
      case "discover":
        return await discoverCommand(rest, io);
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

/**
 * `npm start`: starts the emulator (a healthy Keeper deployment, or a named broken one) and Azurite
 * (the Function App's Table storage), then runs `keeper-monitor check` against them as a separate
 * process, through the Custom cloud settings only, exactly as it would run against Azure. Exits
 * with the check's exit code.
 *
 *   npm start                                   healthy deployment, exit 0
 *   npm start -- --scenario role-removed        a broken deployment, exit 1
 *   npm start -- --scenario rotation-handed-off a secret rotation waiting for Keeper's administrators
 *   npm start -- --list-scenarios
 *   npm start -- --json                         stdout is the Report as JSON, nothing else
 *   npm start -- --serve [--port N]             the status page and /api/health, /api/rotation on 127.0.0.1
 *   npm start -- --discover                     only the workspace is set: `keeper-monitor discover` finds the rest
 *
 * What the demo itself says (where the emulator listens, the rotation steps) goes to stderr.
 * A rotation scenario first runs the real secretRotation steps against the emulator and Azurite,
 * so the check's rotation.state reads that phase from Table storage.
 *
 * Then it shows the notifications the Function App would send for that state: the alert policy
 * runs on the check's findings (ALERT_OPEN_AFTER=1 here, so one run is enough to open an alert;
 * in production it is 2 runs), and the card and the email are delivered to the emulator's Teams
 * receiver and mail sink and printed as text.
 */
import { spawn, type StdioOptions } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import functions, { type HttpHandler } from "@azure/functions";
import { SCENARIOS, startEmulator, type RotationPhase } from "./index.js";
import { startAzurite } from "./azurite.js";
import { loadConfig } from "../src/config/loadConfig.js";
import { createMonitor } from "../src/app/monitor.js";
import { createCredential } from "../src/azure/credential.js";
import { createAlerting } from "../src/app/alerting.js";
import { renderCard, renderCardText } from "../src/report/card.js";
import { renderEmail } from "../src/report/email.js";
import type { Notice, Notifier } from "../src/core/notifier.js";
import { healthHandler } from "../src/functions/health.js";
import { rotationStateHandler } from "../src/functions/rotationApi.js";
import { withNoSniff } from "../src/functions/registry.js";

// @azure/functions is CommonJS: its classes come from the default export under Node's ESM loader.
const { HttpRequest, HttpResponse, InvocationContext } = functions;
import { formatLine, type Logger } from "../src/core/logger.js";

interface Args {
  scenario: string;
  list: boolean;
  json: boolean;
  serve: boolean;
  /** Leave the connector's values unset: the monitor finds them in Sentinel's record. */
  discover: boolean;
  port: number;
  error?: string;
}

const DEFAULT_PORT = 7071;

function parseArgs(argv: string[]): Args {
  const a: Args = { scenario: "healthy", list: false, json: false, serve: false, discover: false, port: DEFAULT_PORT };
  const fail = (error: string): Args => ({ ...a, error });
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === "--list-scenarios") a.list = true;
    else if (x === "--json") a.json = true;
    else if (x === "--serve") a.serve = true;
    else if (x === "--discover") a.discover = true;
    else if (x === "--scenario" || x === "--port") {
      const v = argv[++i];
      if (!v)
        return fail(x === "--scenario" ? "--scenario needs a name (see --list-scenarios)" : "--port needs a number");
      if (x === "--scenario") a.scenario = v;
      else a.port = Number(v);
    } else if (x?.startsWith("--scenario=")) a.scenario = x.slice("--scenario=".length);
    else if (x?.startsWith("--port=")) a.port = Number(x.slice("--port=".length));
    else return fail(`unknown option ${x}`);
  }
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535)
    return fail("--port must be 0-65535 (0: any free port)");
  if (a.serve && a.json) return fail("--serve and --json do not go together");
  return a;
}

const say = (s: string) => process.stderr.write(s);

/** Log lines of the steps, on stderr, so stdout holds only the report. */
const stderrLog: Logger = {
  info: (m, f) => say(formatLine(m, f) + "\n"),
  warn: (m, f) => say(formatLine(m, f) + "\n"),
  error: (m, f) => say(formatLine(m, f) + "\n"),
};

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The alerting half of the demo, in its own process (started with NODE_EXTRA_CA_CERTS so the
 * real channels trust the emulator): one drift run recorded into the real AlertManager.
 */
async function alertsStep(): Promise<number> {
  const config = loadConfig(process.env);
  const report = await createMonitor(config).runAll();
  const alerting = createAlerting(config, createCredential(config), () => new Date(), quiet, { table: "demoalerts" });
  await alerting.manager.record({
    source: "drift",
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    findings: report.findings,
  });
  const rows = await alerting.store.outbox.list();
  const of = (channel: string): Notice[] => rows.filter((r) => r.channel === channel).map((r) => r.notice);
  const out = (s: string) => process.stdout.write(s);
  out("\n=== Notifications (alert policy with ALERT_OPEN_AFTER=1 for the demo) ===\n");
  if (rows.length === 0) {
    out("None: no check is a problem, so nothing would be sent.\n");
    return 0;
  }
  const teams = of("teams");
  const mail = of("email");
  if (teams.length)
    out(
      `\n--- Teams card (${teams.length} notice${teams.length === 1 ? "" : "s"}) ---\n${renderCardText(renderCard(teams))}`,
    );
  if (mail.length) {
    const e = renderEmail(mail);
    out(
      `\n--- Email ---\nSubject: ${e.subject}\n${e.headers.map((h) => `${h.name}: ${h.value}`).join("\n")}\n\n${e.text}`,
    );
  }
  for (const r of rows) if (r.status !== "sent") out(`(not delivered yet: ${r.channel} ${r.lastErrorClass ?? ""})\n`);
  return 0;
}

/** The hand-off notice, as the Keeper administrators would get it: its title only. */
const noticeToStderr: Notifier = {
  notify: (n) => {
    say(`Rotation notice (${n.kind}): ${n.title}\n`);
    return Promise.resolve();
  },
};

/**
 * Brings the rotation to a phase with the real secretRotation run, in its own process (it trusts
 * the emulator through NODE_EXTRA_CA_CERTS): what the timer and an administrator would have done.
 */
async function rotationStep(phase: RotationPhase): Promise<number> {
  if (phase === "due") return 0; // the timer has not run yet: nothing to do
  const m = createMonitor(loadConfig(process.env), { rotation: { notifier: noticeToStderr } });
  const first = await m.rotation.run(stderrLog);
  const s = first.state;
  if (s?.stage !== "cutover" || !s.rotationId || !s.newKeyId) {
    say(`npm start: the rotation did not reach the hand-off (stage ${s?.stage ?? "none"})\n`);
    return 2;
  }
  say(`secretRotation run: rotation ${s.rotationId} handed off the new secret ${s.newKeyId}\n`);
  if (phase === "handed-off") return 0;
  const confirmed = await m.rotation.confirm({
    rotationId: s.rotationId,
    keyId: s.newKeyId,
    confirmedBy: "keeper-admin@contoso.com",
  });
  say(`POST /api/rotation/confirm by keeper-admin@contoso.com: ${confirmed.status}\n`);
  const second = await m.rotation.run(stderrLog);
  say(`secretRotation run: stage ${second.state?.stage ?? "?"}\n`);
  return confirmed.status === "confirmed" ? 0 : 2;
}

/** Node's request as the Functions HttpRequest the real handlers take. */
function toHttpRequest(req: IncomingMessage, base: string): functions.HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  return new HttpRequest({ method: req.method ?? "GET", url: new URL(req.url ?? "/", base).href, headers });
}

async function reply(handler: HttpHandler, req: IncomingMessage, res: ServerResponse, base: string, name: string) {
  const context = new InvocationContext({
    functionName: name,
    logHandler: (level, ...args) => say(`${name} ${level}: ${args.map(String).join(" ")}\n`),
  });
  const r = await handler(toHttpRequest(req, base), context);
  if (r instanceof HttpResponse) throw new Error("a handler returned an HttpResponse");
  const headers = new Headers(r.headers ?? {});
  let body: string | undefined;
  if (r.jsonBody !== undefined) {
    body = JSON.stringify(r.jsonBody);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (typeof r.body === "string") body = r.body;
  res.writeHead(r.status ?? 200, Object.fromEntries(headers));
  res.end(body);
}

/**
 * `--serve`: the Function App's HTTP endpoints on 127.0.0.1, their real handlers over the demo's
 * state. One drift run and one ingestion run are recorded first (a health refresh), so the page
 * has something to show. Local only: no function key is asked for.
 */
async function serveStep(port: number): Promise<number> {
  const config = loadConfig(process.env);
  const alerting = createAlerting(config, createCredential(config), () => new Date(), stderrLog);
  const monitor = createMonitor(config, { rotation: { notifier: noticeToStderr } });
  const health = withNoSniff(
    healthHandler({
      getMonitor: () => monitor,
      getState: (log) => ({ store: alerting.store, sink: alerting.manager.withLog(log) }),
      now: () => new Date(),
    }),
  );
  const rotation = withNoSniff(rotationStateHandler({ getMonitor: () => monitor }));
  const routes = new Map<string, [string, HttpHandler]>([
    ["/api/health", ["health", health]],
    ["/api/rotation", ["rotationState", rotation]],
  ]);
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host ?? "127.0.0.1"}`;
    const { pathname } = new URL(req.url ?? "/", base);
    if (pathname === "/") {
      res.writeHead(302, { location: "/api/health?format=html" }).end();
      return;
    }
    const route = routes.get(pathname);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      return;
    }
    reply(route[1], req, res, base, route[0]).catch((e: unknown) => {
      say(`npm start: ${route[0]} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
  say("Running the checks once (a health refresh) ...\n");
  const refresh = await fetch(`${url}/api/health?refresh=true`);
  await refresh.arrayBuffer();
  process.stdout.write(
    `Status page: ${url}/api/health?format=html\nHealth JSON: ${url}/api/health\nRotation:    ${url}/api/rotation\nCtrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

/** Runs this file again as its own process: the monitor trusts the emulator only at process start. */
function step(args: string[], env: Record<string, string>, stdio: StdioOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio, env });
    child.on("error", reject);
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward("SIGINT");
    const onTerm = forward("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    child.on("close", (c) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(c ?? 0);
    });
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--alerts-step") return alertsStep();
  if (argv[0] === "--rotation-step") return rotationStep(argv[1] as RotationPhase);
  if (argv[0] === "--serve-step") return serveStep(Number(argv[1]));
  const args = parseArgs(argv);
  if (args.error) {
    say(`npm start: ${args.error}\n`);
    return 2;
  }
  if (args.list) {
    const w = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS)
      process.stdout.write(
        `${s.name.padEnd(w)}  ${s.description}${s.breaks.length ? `  [${s.breaks.join(", ")}]` : ""}\n`,
      );
    return 0;
  }
  const scenario = SCENARIOS.find((s) => s.name === args.scenario);
  if (!scenario) {
    say(`npm start: unknown scenario "${args.scenario}"; --list-scenarios shows them\n`);
    return 2;
  }

  const emu = await startEmulator({ scenario: scenario.name });
  const dir = mkdtempSync(path.join(tmpdir(), "keeper-emulator-"));
  const stops: Array<() => Promise<void>> = [() => emu.stop()];
  try {
    const caFile = path.join(dir, "ca.pem");
    writeFileSync(caFile, emu.caPem);
    const azurite = await startAzurite();
    stops.unshift(() => azurite.stop());
    say(`Emulator on ${emu.url}, scenario "${scenario.name}": ${scenario.description}\n\n`);
    // The Function App's settings: the emulator's Custom cloud and Azurite as AzureWebJobsStorage.
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      NODE_EXTRA_CA_CERTS: caFile,
      ...emu.settings,
      AzureWebJobsStorage: azurite.connectionString,
    };
    // --discover: the workspace alone (and the cloud and identity); the rest is found
    if (args.discover)
      for (const name of [
        "KEEPER_TENANT_ID",
        "KEEPER_APP_ID",
        "KEEPER_DCR_RESOURCE_ID",
        "KEEPER_DCR_IMMUTABLE_ID",
        "KEEPER_DCE_URI",
      ])
        delete env[name];
    if (scenario.rotation) {
      // the step's stdout is this process's stderr: stdout stays the report's
      const code = await step(["--rotation-step", scenario.rotation], env, ["ignore", 2, 2]);
      if (code !== 0) return code;
      say("\n");
    }
    if (args.serve) return await step(["--serve-step", String(args.port)], env, "inherit");
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli.js");
    // The check runs as its own process: it sees only settings, like in production.
    const run = (cliArgs: string[], stdio: "inherit" | ["ignore", 2, 2]) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [cli, ...cliArgs], { stdio, env });
        child.on("error", reject);
        child.on("close", (c) => resolve(c ?? 2));
      });
    if (args.discover) {
      // what was found, and where from (on stderr with --json: stdout stays the report's)
      const found = await run(["discover"], args.json ? ["ignore", 2, 2] : "inherit");
      if (found !== 0) return found;
      say("\n");
    }
    const code = await run(["check", ...(args.json ? ["--json"] : [])], "inherit");
    if (!args.json) await showNotifications(emu, env);
    return code;
  } finally {
    for (const stop of stops) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the alerts step as a process, then says what the emulator's sinks received. */
async function showNotifications(
  emu: Awaited<ReturnType<typeof startEmulator>>,
  settings: Record<string, string>,
): Promise<void> {
  const env = {
    ...settings,
    ALERT_OPEN_AFTER: "1",
    ALERT_TEAMS_WEBHOOK_URL: emu.teamsWebhookUrl,
    ALERT_EMAIL_FROM: emu.state.graph.mailboxes[0] ?? "",
    ALERT_EMAIL_TO: "secops@contoso.com",
  };
  await step(["--alerts-step"], env, "inherit");
  process.stdout.write(
    `\nThe emulator's Teams receiver got ${emu.state.teamsMessages.length} message(s); its mail sink got ${emu.state.sentMail.length} mail(s).\n`,
  );
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);

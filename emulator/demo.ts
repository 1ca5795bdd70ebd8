/**
 * `npm start`: starts the emulator (a healthy Keeper deployment, or a named broken one), then runs
 * `keeper-monitor check` against it as a separate process, through the Custom cloud settings only,
 * exactly as it would run against Azure. Exits with the check's exit code.
 *
 *   npm start                              healthy deployment, exit 0
 *   npm start -- --scenario role-removed   a broken deployment, exit 1
 *   npm start -- --list-scenarios
 *   npm start -- --json                    print the Report as JSON
 *
 * Then it shows the notifications the Function App would send for that state: Azurite holds the
 * alert state, the alert policy runs on the check's findings (ALERT_OPEN_AFTER=1 here, so one
 * run is enough to open an alert; in production it is 2 runs), and the card and the email are
 * delivered to the emulator's Teams receiver and mail sink and printed as text.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SCENARIOS, startEmulator } from "./index.js";
import { startAzurite } from "./azurite.js";
import { loadConfig } from "../src/config/loadConfig.js";
import { createMonitor } from "../src/app/monitor.js";
import { createCredential } from "../src/azure/credential.js";
import { createAlerting } from "../src/app/alerting.js";
import { renderCard, renderCardText } from "../src/report/card.js";
import { renderEmail } from "../src/report/email.js";
import type { Notice } from "../src/core/notifier.js";

function parseArgs(argv: string[]): { scenario: string; list: boolean; json: boolean; error?: string } {
  let scenario = "healthy";
  let list = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--list-scenarios") list = true;
    else if (a === "--json") json = true;
    else if (a === "--scenario") {
      const v = argv[++i];
      if (!v) return { scenario, list, json, error: "--scenario needs a name (see --list-scenarios)" };
      scenario = v;
    } else if (a?.startsWith("--scenario=")) scenario = a.slice("--scenario=".length);
    else return { scenario, list, json, error: `unknown option ${a}` };
  }
  return { scenario, list, json };
}

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

async function main(): Promise<number> {
  if (process.argv.includes("--alerts-step")) return alertsStep();
  const args = parseArgs(process.argv.slice(2));
  if (args.error) {
    process.stderr.write(`npm start: ${args.error}\n`);
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
    process.stderr.write(`npm start: unknown scenario "${args.scenario}"; --list-scenarios shows them\n`);
    return 2;
  }

  const emu = await startEmulator({ scenario: scenario.name });
  const dir = mkdtempSync(path.join(tmpdir(), "keeper-emulator-"));
  const caFile = path.join(dir, "ca.pem");
  writeFileSync(caFile, emu.caPem);
  process.stdout.write(`Emulator on ${emu.url}, scenario "${scenario.name}": ${scenario.description}\n\n`);
  try {
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli.js");
    // The check runs as its own process: it sees only settings, like in production.
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, "check", ...(args.json ? ["--json"] : [])], {
        stdio: "inherit",
        env: { PATH: process.env["PATH"] ?? "", NODE_EXTRA_CA_CERTS: caFile, ...emu.settings },
      });
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? 2));
    });
    if (!args.json) await showNotifications(emu, caFile);
    return code;
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts Azurite, runs the alerts step as a process, then says what the emulator's sinks received. */
async function showNotifications(emu: Awaited<ReturnType<typeof startEmulator>>, caFile: string): Promise<void> {
  const azurite = await startAzurite();
  try {
    const env = {
      PATH: process.env["PATH"] ?? "",
      NODE_EXTRA_CA_CERTS: caFile,
      ...emu.settings,
      AzureWebJobsStorage: azurite.connectionString,
      ALERT_OPEN_AFTER: "1",
      ALERT_TEAMS_WEBHOOK_URL: emu.teamsWebhookUrl,
      ALERT_EMAIL_FROM: emu.state.graph.mailboxes[0] ?? "",
      ALERT_EMAIL_TO: "secops@contoso.com",
    };
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--alerts-step"], {
        stdio: "inherit",
        env,
      });
      child.on("error", reject);
      child.on("close", () => resolve());
    });
    process.stdout.write(
      `\nThe emulator's Teams receiver got ${emu.state.teamsMessages.length} message(s); its mail sink got ${emu.state.sentMail.length} mail(s).\n`,
    );
  } finally {
    await azurite.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);

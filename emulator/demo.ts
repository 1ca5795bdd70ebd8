/**
 * `npm start`: starts the emulator (a healthy Keeper deployment, or a named broken one), then runs
 * `keeper-monitor check` against it as a separate process, through the Custom cloud settings only,
 * exactly as it would run against Azure. Exits with the check's exit code.
 *
 *   npm start                              healthy deployment, exit 0
 *   npm start -- --scenario role-removed   a broken deployment, exit 1
 *   npm start -- --list-scenarios
 *   npm start -- --json                    print the Report as JSON
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SCENARIOS, startEmulator } from "./index.js";

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

async function main(): Promise<number> {
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
    return code;
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);

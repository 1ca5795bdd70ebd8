import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { ensureCertificate, startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { IDS, SUBSCRIPTION_ID } from "../../emulator/constants.js";
import { grantsFromTemplate, type Grant } from "../../emulator/rbac.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createMonitor, type Monitor } from "../../src/app/monitor.js";
import { main } from "../../src/cli.js";

let fromTemplate: Grant[] | undefined;

/**
 * What infra/azuredeploy.json grants the monitor's identity, deployed next to the emulated
 * connector (its parameters name the emulator's DCR, DCE and workspace).
 */
export function templateGrants(): Grant[] {
  fromTemplate ??= grantsFromTemplate(
    JSON.parse(readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8")),
    {
      parameters: {
        environmentName: "test",
        keeperDcrResourceId: IDS.dcr,
        keeperDceResourceId: IDS.dce,
        keeperWorkspaceResourceId: IDS.workspace,
      },
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroup: "rg-keeper-monitor",
    },
  );
  return fromTemplate.map((g) => ({ ...g }));
}

/**
 * Starts the emulator with the certificate vitest.config.ts made every worker trust, enforcing
 * the monitor's RBAC as the template grants it (pass `monitorGrants` to change that).
 */
export async function startTrustedEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const { key, cert } = await ensureCertificate(".cache/emulator-cert");
  return startEmulator({ monitorGrants: templateGrants(), ...opts, tls: { key, cert } });
}

/** The real monitor (real SDK clients) pointed at the emulator through the Custom cloud settings. */
export function monitorFor(emu: Emulator, overrides: Record<string, string> = {}): Monitor {
  return createMonitor(
    loadConfig({ CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...emu.settings, ...overrides }),
  );
}

/**
 * The real monitor as it runs in a Function App: the platform's managed identity environment
 * (IDENTITY_ENDPOINT, IDENTITY_HEADER; `env` changes either) in process.env, and the app settings
 * the deployment sets, AZURE_CLIENT_ID without a secret or tenant. MSAL reads that environment once
 * per process, when the first managed identity credential asks for a token.
 */
export function functionAppMonitor(
  emu: Emulator,
  env: Partial<Emulator["managedIdentity"]> = {},
  settings: Record<string, string> = {},
): Monitor {
  const mi = { ...emu.managedIdentity, ...env };
  process.env["IDENTITY_ENDPOINT"] = mi.IDENTITY_ENDPOINT;
  process.env["IDENTITY_HEADER"] = mi.IDENTITY_HEADER;
  return monitorFor(emu, { AZURE_CLIENT_SECRET: "", AZURE_TENANT_ID: "", ...settings });
}

/** Every string that must never appear in output: the emulator's secrets and tokens. */
export function leaks(emu: Emulator, output: string): string[] {
  return [...emu.secrets().filter((s) => s.length >= 8 && output.includes(s)), ...leakedShapes(output)];
}

/** Secrets found by their shape, whoever issued them: any JWT, any webhook `sig=`. */
export function leakedShapes(output: string): string[] {
  const found: string[] = [];
  if (/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(output)) found.push("a JWT");
  if (/[?&]sig=[^&\s<]+/i.test(output)) found.push("a sig= URL");
  return found;
}

/**
 * One emulator for the test file: started before its tests, stopped after, reset to the healthy
 * scenario without faults before each test. Read it through the returned function.
 */
export function sharedHealthyEmulator(): () => Emulator {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
  });
  beforeEach(() => {
    emu!.applyScenario("healthy");
    emu!.faults.clear();
    emu!.resetCalls();
  });
  return () => emu!;
}

/** `keeper-monitor <argv>` with these settings: its exit code and what it printed. */
export async function cliRun(
  env: Record<string, string>,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { env, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

import { inject } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { ids, type Emulator } from "../../emulator/index.js";
import type { Notice, Notifier } from "../../src/core/notifier.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { loggerFrom, type Logger } from "../../src/core/logger.js";
import { createMonitor, type Monitor } from "../../src/app/monitor.js";
import { createTableClient } from "../../src/azure/tableStorage.js";

export const DAY = 86_400_000;

/** A clock the test moves; the emulator, the monitor and the probe's sleep share it. */
export function simClock(start = Date.parse("2026-03-02T09:00:00Z")) {
  const c = { ms: start, now: () => new Date(c.ms), advance: (ms: number) => void (c.ms += ms) };
  return c;
}

export interface Captured {
  lines: string[];
  notices: Notice[];
  log: Logger;
  notifier: Notifier;
}

export function capture(): Captured {
  const lines: string[] = [];
  const notices: Notice[] = [];
  const push = (...a: unknown[]) => lines.push(a.map(String).join(" "));
  return {
    lines,
    notices,
    log: loggerFrom({ log: push, warn: push, error: push }),
    notifier: {
      notify: (n) => {
        notices.push(n);
        return Promise.resolve();
      },
    },
  };
}

/** The real monitor against the emulator, rotation state in Azurite, on the simulated clock. */
export function rotationMonitor(
  emu: Emulator,
  clock: ReturnType<typeof simClock>,
  cap: Captured,
  table: string,
  overrides: Record<string, string> = {},
): Monitor {
  return createMonitor(
    loadConfig({
      CALL_TIMEOUT_SECONDS: "5",
      RUN_BUDGET_SECONDS: "30",
      ...emu.settings,
      AzureWebJobsStorage: inject("tablesConnection"),
      ...overrides,
    }),
    {
      now: clock.now,
      rotation: {
        notifier: cap.notifier,
        table,
        sleep: (ms) => {
          clock.advance(ms);
          return Promise.resolve();
        },
      },
    },
  );
}

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("connection string only")) };

/** Every row of a table, as text, for the leak scan. */
export async function dumpTable(table: string): Promise<string> {
  const client = createTableClient(
    { kind: "connectionString", connectionString: inject("tablesConnection") },
    noCredential,
    table,
  );
  const rows: unknown[] = [];
  for await (const e of client.listEntities()) rows.push(e);
  return JSON.stringify(rows);
}

export const keeperApp = (emu: Emulator) => emu.state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!;
export const vaultVersions = (emu: Emulator) => emu.state.vault.secrets[ids.KEY_VAULT_SECRET_NAME]?.versions ?? [];

/** Keeper's secret (and its vault copy) end this many days from now. */
export function setDaysLeft(emu: Emulator, clock: ReturnType<typeof simClock>, days: number): void {
  const end = new Date(clock.ms + days * DAY);
  keeperApp(emu).passwordCredentials[0]!.endDateTime = end.toISOString();
  const v = vaultVersions(emu)[0];
  if (v) v.exp = Math.floor(end.getTime() / 1000);
}

/** The Keeper administrator pastes the credential with this keyId into the Admin Console. */
export function keeperUses(emu: Emulator, keyId: string): void {
  const c = keeperApp(emu).passwordCredentials.find((x) => x.keyId === keyId);
  if (!c) throw new Error(`no credential ${keyId}`);
  emu.state.keeper.clientSecret = c.secretText;
}

/** Invariants that hold after every completed run. */
export function invariants(emu: Emulator): string[] {
  const bad: string[] = [];
  const creds = keeperApp(emu).passwordCredentials;
  const versions = vaultVersions(emu);
  for (const v of versions)
    if (v.enabled && v.tags["keyId"] && !creds.some((c) => c.keyId === v.tags["keyId"]))
      bad.push(`enabled vault version ${v.version} names missing credential ${v.tags["keyId"]}`);
  const managed = creds.filter((c) => c.displayName?.startsWith("keeper-monitor:"));
  if (managed.length > 2) bad.push(`${managed.length} monitor-created credentials`);
  return bad;
}

/** Monitor-created credentials with no vault copy (a lost value). */
export function lostValues(emu: Emulator): string[] {
  const versions = vaultVersions(emu);
  return keeperApp(emu)
    .passwordCredentials.filter((c) => c.displayName?.startsWith("keeper-monitor:"))
    .filter((c) => !versions.some((v) => v.tags["keyId"] === c.keyId))
    .map((c) => c.keyId);
}

export const addPasswordCalls = (emu: Emulator) =>
  emu.calls.filter((c) => c.method === "POST" && /addPassword$/i.test(c.path)).length;

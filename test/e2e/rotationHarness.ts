import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { ids, type Emulator } from "../../emulator/index.js";
import type { Notice, Notifier } from "../../src/core/notifier.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { loggerFrom, type Logger } from "../../src/core/logger.js";
import { createMonitor, type Monitor } from "../../src/app/monitor.js";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { deadline } from "../../src/core/callContext.js";
import { createAdapters, createRotationClients } from "../../src/app/clients.js";
import { createCredential } from "../../src/azure/credential.js";
import { customerIdOnce } from "../../src/azure/customerId.js";
import { rotationPorts } from "../../src/azure/rotationPorts.js";
import { keeperEndpointUrl } from "../../src/checks/dce.js";
import { createRotationService, type RotationService } from "../../src/rotation/service.js";
import { tableRotationStore } from "../../src/rotation/stateStore.js";

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
  return createMonitor(rotationConfig(emu, overrides), {
    now: clock.now,
    rotation: { notifier: cap.notifier, table, sleep: clockSleep(clock) },
  });
}

const rotationConfig = (emu: Emulator, overrides: Record<string, string>) =>
  loadConfig({
    CALL_TIMEOUT_SECONDS: "5",
    RUN_BUDGET_SECONDS: "30",
    ...emu.settings,
    AzureWebJobsStorage: inject("tablesConnection"),
    ...overrides,
  });

const clockSleep = (clock: ReturnType<typeof simClock>) => (ms: number) => {
  clock.advance(ms);
  return Promise.resolve();
};

/** One call of the rotation runner to one of its ports: the world, the state store or the notifier. */
export interface PortCall {
  port: "ports" | "store" | "notifier";
  method: string;
  args: unknown[];
}

/** Sees each port call start (`before`) and resolve (`after`); either may throw to kill the run there. */
export interface PortWatch {
  before?(call: PortCall): void;
  after?(call: PortCall, result: unknown): void;
}

function watched<T extends object>(target: T, port: PortCall["port"], watch: PortWatch): T {
  return new Proxy(target, {
    get(t, key) {
      const v: unknown = Reflect.get(t, key);
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        const call: PortCall = { port, method: String(key), args };
        watch.before?.(call);
        const result: unknown = await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        watch.after?.(call, result);
        return result;
      };
    },
  });
}

/**
 * The rotation service built as the monitor builds it (the same adapters, store, target and lease),
 * with every port call of the runner passing `watch`: a test stops a run between two calls.
 */
export function watchedRotation(
  emu: Emulator,
  clock: ReturnType<typeof simClock>,
  cap: Captured,
  table: string,
  overrides: Record<string, string>,
  watch: PortWatch,
): RotationService {
  const config = rotationConfig(emu, overrides);
  const credential = createCredential(config);
  const adapters = createAdapters(config, credential);
  const clients = createRotationClients(config, credential, adapters.logs);
  const k = config.keeper;
  const customerId = customerIdOnce(adapters.arm, k.workspace);
  if (!config.storage) throw new Error("rotation needs state storage");
  const store = tableRotationStore(createTableClient(config.storage, credential, table), k.appId);
  return createRotationService({
    ports: () => {
      const ctx = { callTimeoutMs: config.callTimeoutMs, budget: deadline(config.runBudgetMs) };
      const ports = rotationPorts(clients, config, ctx, {
        clock: clock.now,
        sleep: clockSleep(clock),
        customerId,
      });
      return watched(ports, "ports", watch);
    },
    store: watched(store, "store", watch),
    vaultConfigured: config.keyVault !== undefined,
    notifier: watched(cap.notifier, "notifier", watch),
    settings: config.rotation,
    target: {
      tenantId: k.tenantId,
      appId: k.appId,
      vaultUri: config.keyVault?.uri ?? "(KEY_VAULT_URI not set)",
      secretName: config.keyVault?.secretName ?? "",
      endpointUrl: keeperEndpointUrl(k.dceUri, k.dcrImmutableId, k.streamName),
      portalUrl: config.cloud.portalUrl,
    },
    clock: clock.now,
    newId: () => randomUUID(),
    leaseMs: config.runBudgetMs + 2 * 60_000,
  });
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

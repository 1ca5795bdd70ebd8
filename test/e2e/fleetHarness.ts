import { expect, inject } from "vitest";
import { IDS, KEY_VAULT_SECRET_NAME } from "../../emulator/constants.js";
import type { Emulator } from "../../emulator/index.js";
import type { Target } from "../../src/app/fleet.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";

/**
 * The emulator's settings with the workspaces given and no connector value (everything is found),
 * and Azurite's storage: with its Queue service when `queue`, else its Table service alone (then
 * the timers check every target themselves).
 */
export function workspacesOnly(
  emu: Emulator,
  workspaces: string,
  options: { queue?: boolean; overrides?: Record<string, string> } = {},
): Record<string, string> {
  const storage = inject("tablesConnection");
  const env: Record<string, string> = {
    CALL_TIMEOUT_SECONDS: "4",
    RUN_BUDGET_SECONDS: "20",
    ...emu.settings,
    AzureWebJobsStorage: options.queue ? storage : storage.replace(/QueueEndpoint=[^;]+;?/, ""),
  };
  for (const name of DISCOVERABLE_SETTINGS) delete env[name];
  return { ...env, KEEPER_WORKSPACE_RESOURCE_ID: workspaces, ...options.overrides };
}

/** Sentinel's record of the Keeper connector in the emulator's workspace. */
export const keeperRecord = (emu: Emulator) =>
  emu.state.dataConnectors.find((c) => c.kind === "Push" && String(c.name).startsWith("Keeper"))!;

/** Another Sentinel record of the Keeper connector in the emulator's workspace (same DCR). */
export function addSecondConnector(emu: Emulator, name = "KeeperSecurityPushSecond"): void {
  const second = { ...structuredClone(keeperRecord(emu)), name };
  second.id = String(second.id).replace(/[^/]+$/, name);
  emu.state.dataConnectors.push(second);
}

/** Each target's own copy of the Keeper secret in the vault (`<KEY_VAULT_SECRET_NAME>-<key>`). */
export function storeSecretsOf(emu: Emulator, targets: readonly Target[]): void {
  const secrets = emu.state.vault.secrets;
  const base = secrets[KEY_VAULT_SECRET_NAME]!;
  for (const t of targets) {
    const name = t.app.getMonitor().config.keyVault!.secretName;
    expect(name).toBe(`${KEY_VAULT_SECRET_NAME}-${t.key}`);
    secrets[name] = { ...structuredClone(base), name };
  }
}

/** A workspace in the emulator's subscription that does not exist. */
export const MISSING_WS = IDS.workspace.replace(/workspaces\/[^/]+$/, "workspaces/ws-gone");

/** The helpers above bound to a test file's shared emulator (and to the Queue service, or not). */
export function fleetWorld(emulator: () => Emulator, queue: boolean) {
  return {
    workspacesOnly: (workspaces: string, overrides: Record<string, string> = {}) =>
      workspacesOnly(emulator(), workspaces, { queue, overrides }),
    keeperRecord: () => keeperRecord(emulator()),
    addSecondConnector: (name?: string) => addSecondConnector(emulator(), name),
    storeSecretsOf: (targets: readonly Target[]) => storeSecretsOf(emulator(), targets),
  };
}

import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type { Notifier } from "./core/notifier.js";
import type { Config } from "./config/loadConfig.js";
import type { AzureAdapters } from "./azure/connectorReader.js";
import { createRotationClients, rotationPorts } from "./azure/rotationPorts.js";
import { createTableClient } from "./azure/tableStorage.js";
import { endpointUrl } from "./rotation/notices.js";
import { createRotationService, type RotationService } from "./rotation/service.js";
import { tableRotationStore } from "./rotation/stateStore.js";
import { deadline } from "./core/callContext.js";

/** The table of rotation state (its own, so alert and rotation rows never collide). */
export const ROTATION_TABLE = "keepermonitorrotation";

export interface RotationWiringOptions {
  /** Where hand-off notices and reminders go (the alerts feature's durable notifier). */
  notifier?: Notifier;
  sleep?: (ms: number) => Promise<void>;
  table?: string;
}

/** Until the alerts feature's notifier is wired, notices are only logged (title and key, no facts). */
const consoleNotifier: Notifier = {
  notify: (n) => {
    console.warn(`rotation notice (no notifier wired) key=${n.key} kind=${n.kind} title=${JSON.stringify(n.title)}`);
    return Promise.resolve();
  },
};

/** Builds the rotation's clients and store once; each run binds them to its own time limits. */
export function createRotationWiring(
  config: Config,
  credential: TokenCredential,
  adapters: Pick<AzureAdapters, "arm" | "logs">,
  now: () => Date,
  options: RotationWiringOptions = {},
): RotationService {
  const { arm } = adapters;
  const clients = createRotationClients(config, credential, adapters.logs);
  const customerId: { value?: string } = {};
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const store = config.storage
    ? tableRotationStore(
        createTableClient(config.storage, credential, options.table ?? ROTATION_TABLE),
        config.keeper.appId,
      )
    : undefined;
  const k = config.keeper;
  return createRotationService({
    ports: () => {
      const ctx = { callTimeoutMs: config.callTimeoutMs, budget: deadline(config.runBudgetMs) };
      return rotationPorts(clients, config, ctx, { arm, clock: now, sleep, customerId });
    },
    store,
    vaultConfigured: config.keyVault !== undefined,
    notifier: options.notifier ?? consoleNotifier,
    settings: config.rotation,
    target: {
      tenantId: k.tenantId,
      appId: k.appId,
      vaultUri: config.keyVault?.uri ?? "(KEY_VAULT_URI not set)",
      secretName: config.keyVault?.secretName ?? "",
      endpointUrl: endpointUrl(k.dceUri, k.dcrImmutableId, k.streamName),
      portalUrl: config.cloud.portalUrl,
    },
    clock: now,
    newId: () => randomUUID(),
    leaseMs: config.runBudgetMs + 2 * 60_000,
  });
}

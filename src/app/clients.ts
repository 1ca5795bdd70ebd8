import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "../config/loadConfig.js";
import { ArmAdapter } from "../azure/arm.js";
import type { AzureAdapters } from "../azure/connectorReader.js";
import { GraphAdapter } from "../azure/graph.js";
import { GraphWriter } from "../azure/graphWrite.js";
import { KeyVaultAdapter } from "../azure/keyVault.js";
import { VaultWriter } from "../azure/keyVaultWrite.js";
import { LogsAdapter } from "../azure/logs.js";
import type { RotationClients } from "../azure/rotationPorts.js";
import { SignInReader } from "../azure/signIns.js";

/**
 * The Azure clients of one process, created once and reused by every run. Graph gets its own
 * credential (see graphTenant.ts: the Keeper connector's tenant may not be the monitor's).
 */
export function createAdapters(
  config: Config,
  credential: TokenCredential,
  graphCredential: TokenCredential = credential,
): AzureAdapters {
  return {
    arm: new ArmAdapter(credential, config.cloud),
    graph: new GraphAdapter(graphCredential, config.cloud),
    logs: new LogsAdapter(credential, config.cloud),
    vault: config.keyVault ? new KeyVaultAdapter(credential, config.keyVault.uri) : undefined,
  };
}

/** The rotation's Azure clients, built once per process; Graph in the Keeper connector's tenant. */
export function createRotationClients(
  config: Config,
  credential: TokenCredential,
  logs: LogsAdapter,
  graphCredential: TokenCredential = credential,
): RotationClients {
  const kv = config.keyVault;
  return {
    graph: new GraphWriter(graphCredential, config.cloud),
    vault: kv ? new VaultWriter(credential, kv.uri, kv.secretName, config.keeper.appId) : undefined,
    signIns: new SignInReader(logs),
  };
}

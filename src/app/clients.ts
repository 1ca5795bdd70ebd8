import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "../config/loadConfig.js";
import { ArmAdapter } from "../azure/arm.js";
import type { AzureAdapters } from "../azure/connectorReader.js";
import { GraphAdapter } from "../azure/graph.js";
import { GraphWriter } from "../azure/graphWrite.js";
import { createSecretClient, KeyVaultAdapter } from "../azure/keyVault.js";
import { VaultWriter } from "../azure/keyVaultWrite.js";
import { LogsAdapter } from "../azure/logs.js";
import type { RotationClients } from "../azure/rotationPorts.js";
import { SignInReader } from "../azure/signIns.js";
import { unpooled, type Pool } from "./clientPool.js";

/**
 * The Azure clients of one process, created once and reused by every run. Graph gets its own
 * credential (see graphTenant.ts: the Keeper connector's tenant may not be the monitor's), named
 * in the pool by `graphKey`. With a pool (clientPool.ts), targets that share the credential share
 * the clients.
 */
export function createAdapters(
  config: Config,
  credential: TokenCredential,
  graphCredential: TokenCredential = credential,
  pool: Pool = unpooled,
  graphKey = "own",
): AzureAdapters {
  const kv = config.keyVault;
  return {
    arm: pool("arm", () => new ArmAdapter(credential, config.cloud)),
    graph: pool(`graph|${graphKey}`, () => new GraphAdapter(graphCredential, config.cloud)),
    logs: pool("logs", () => new LogsAdapter(credential, config.cloud)),
    vault: kv
      ? pool(`vault|${kv.uri}`, () => new KeyVaultAdapter(secretClient(credential, kv.uri, pool), kv.uri))
      : undefined,
  };
}

/** The rotation's Azure clients, built once per process; Graph in the Keeper connector's tenant. */
export function createRotationClients(
  config: Config,
  credential: TokenCredential,
  logs: LogsAdapter,
  graphCredential: TokenCredential = credential,
  pool: Pool = unpooled,
  graphKey = "own",
): RotationClients {
  const kv = config.keyVault;
  return {
    graph: pool(`graphWriter|${graphKey}`, () => new GraphWriter(graphCredential, config.cloud)),
    vault: kv
      ? new VaultWriter(secretClient(credential, kv.uri, pool), kv.uri, kv.secretName, config.keeper.appId)
      : undefined,
    signIns: new SignInReader(logs),
  };
}

/** A vault's client, shared by its reads and the rotation's writes (and, pooled, by every target). */
const secretClient = (credential: TokenCredential, uri: string, pool: Pool) =>
  pool(`secretClient|${uri}`, () => createSecretClient(credential, uri));

import { SecretClient, type KeyVaultSecret } from "@azure/keyvault-secrets";
import type { TokenCredential } from "@azure/core-auth";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "./callContext.js";
import { found, type Observation } from "../checks/observation.js";
import type { VaultSecretVersion } from "../connector/types.js";
import { observeError } from "./errors.js";
import { RESPONSE_LIMIT_POLICIES } from "./responseLimit.js";

/**
 * Key Vault checks that the challenge's resource matches the vault's host. Only a vault on a
 * loopback address (a local emulator) has no such host, so only there is the check turned off.
 */
export function isLoopbackVault(uri: string): boolean {
  const host = new URL(uri).hostname;
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Metadata of the current version. The value is read by the SDK and dropped here, never kept. */
export function toVaultSecretVersion(s: KeyVaultSecret): VaultSecretVersion {
  const p = s.properties;
  return {
    name: p.name,
    version: p.version,
    enabled: p.enabled !== false,
    expiresOn: p.expiresOn,
    notBefore: p.notBefore,
    createdOn: p.createdOn,
    tags: { ...(p.tags ?? {}) },
  };
}

export class KeyVaultAdapter {
  private readonly client: SecretClient;

  constructor(
    credential: TokenCredential,
    private readonly vaultUri: string,
  ) {
    this.client = new SecretClient(vaultUri, credential, {
      disableChallengeResourceVerification: isLoopbackVault(vaultUri),
      retryOptions: READ_RETRY_OPTIONS,
      additionalPolicies: RESPONSE_LIMIT_POLICIES,
    });
  }

  async currentVersion(secretName: string, ctx: CallContext): Promise<Observation<VaultSecretVersion>> {
    try {
      const secret = await this.client.getSecret(secretName, { abortSignal: callSignal(ctx) });
      return found(toVaultSecretVersion(secret));
    } catch (e) {
      return observeError(
        e,
        {
          action: `read secret ${secretName} in ${this.vaultUri}`,
          permission: `Key Vault Secrets Officer (or Secrets User) on ${this.vaultUri}`,
        },
        ctx,
      );
    }
  }
}

import { SecretClient, type KeyVaultSecret } from "@azure/keyvault-secrets";
import type { TokenCredential } from "@azure/core-auth";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type { VaultSecretVersion } from "../connector/types.js";
import { errorCode, observeError, statusOf } from "./errors.js";
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

/**
 * Key Vault answers a GET of a disabled version with 403 Forbidden, message "Operation get is not
 * allowed on a disabled secret.", inner error code SecretDisabled (reported in Azure/azure-sdk-for-js#24756 and
 * Azure/azure-powershell#15378). It is a fact about the secret, not a missing permission.
 */
export function isDisabledSecret(e: unknown): boolean {
  if (statusOf(e) !== 403) return false;
  const details = (e as { details?: { error?: Record<string, unknown> } }).details?.error;
  const inner = (details?.["innererror"] ?? details?.["innerError"]) as { code?: unknown } | undefined;
  if (inner?.code === "SecretDisabled") return true;
  const message = e instanceof Error ? e.message : "";
  return errorCode(e) === "Forbidden" && /not allowed on a disabled secret/i.test(message);
}

/** The one Key Vault client of a vault: reads (KeyVaultAdapter) and the rotation's writes (VaultWriter) share it. */
export function createSecretClient(credential: TokenCredential, vaultUri: string): SecretClient {
  return new SecretClient(vaultUri, credential, {
    disableChallengeResourceVerification: isLoopbackVault(vaultUri),
    retryOptions: READ_RETRY_OPTIONS,
    additionalPolicies: RESPONSE_LIMIT_POLICIES,
  });
}

export class KeyVaultAdapter {
  constructor(
    private readonly client: SecretClient,
    private readonly vaultUri: string,
  ) {}

  async currentVersion(secretName: string, ctx: CallContext): Promise<Observation<VaultSecretVersion>> {
    try {
      const secret = await this.client.getSecret(secretName, { abortSignal: callSignal(ctx) });
      return found(toVaultSecretVersion(secret));
    } catch (e) {
      if (isDisabledSecret(e)) return this.disabledVersion(secretName, ctx);
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

  /** The current (newest) version's properties from "list versions", which lists disabled ones too. */
  private async disabledVersion(secretName: string, ctx: CallContext): Promise<Observation<VaultSecretVersion>> {
    const disabled: Observation<VaultSecretVersion> = found({ name: secretName, enabled: false, tags: {} });
    try {
      let newest: VaultSecretVersion | undefined;
      for await (const p of this.client.listPropertiesOfSecretVersions(secretName, { abortSignal: callSignal(ctx) })) {
        const v = toVaultSecretVersion({ name: p.name, properties: p });
        if (!newest || (v.createdOn?.getTime() ?? 0) >= (newest.createdOn?.getTime() ?? 0)) newest = v;
      }
      // the GET said the current version is disabled: that stands even if the list is odd
      return newest ? found({ ...newest, enabled: false }) : disabled;
    } catch {
      return disabled;
    }
  }
}

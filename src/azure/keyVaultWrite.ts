import type { SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { callSignal, type CallContext } from "../core/callContext.js";
import { isNotFound, observeError } from "./errors.js";
import type { VaultVersion } from "../rotation/model.js";
import { StepFailure, type VaultWrite } from "../rotation/ports.js";

export const SECRET_CONTENT_TYPE = "Keeper client secret (Entra app password)";

/** Version metadata; the SDK's list calls carry no value. */
export function toVaultVersion(p: SecretProperties): VaultVersion {
  return {
    version: p.version ?? "",
    enabled: p.enabled !== false,
    ...(p.createdOn ? { createdOn: p.createdOn } : {}),
    ...(p.expiresOn ? { expiresOn: p.expiresOn } : {}),
    tags: Object.fromEntries(Object.entries(p.tags ?? {}).map(([k, v]) => [k, k === "keyId" ? v.toLowerCase() : v])),
  };
}

/** Key Vault writes of the rotated secret: new versions with tags, listing, disabling. */
export class VaultWriter {
  constructor(
    private readonly client: SecretClient,
    private readonly vaultUri: string,
    private readonly secretName: string,
    private readonly appId: string,
  ) {}

  private fail(e: unknown, action: string, ctx: CallContext): StepFailure {
    const o = observeError(
      e,
      {
        action: `${action} ${this.secretName} in ${this.vaultUri}`,
        permission: `Key Vault Secrets Officer on ${this.vaultUri}`,
      },
      ctx,
    );
    return new StepFailure(
      "unknown",
      o.kind === "unknown" ? o.reason : `could not ${action}: not found`,
      o.kind === "unknown" ? o.remediation : undefined,
    );
  }

  /** A new version; a replayed write adds a duplicate with the same tags, which is harmless. */
  async write(value: string, meta: VaultWrite, ctx: CallContext): Promise<string> {
    try {
      const s = await this.client.setSecret(this.secretName, value, {
        contentType: SECRET_CONTENT_TYPE,
        ...(meta.expiresOn ? { expiresOn: meta.expiresOn } : {}),
        ...(meta.notBefore ? { notBefore: meta.notBefore } : {}),
        tags: {
          appId: this.appId,
          keyId: meta.keyId,
          rotationId: meta.rotationId,
          createdUtc: meta.createdUtc.toISOString(),
        },
        abortSignal: callSignal(ctx),
      });
      return s.properties.version ?? "";
    } catch (e) {
      throw this.fail(e, "write a new version of", ctx);
    }
  }

  async list(ctx: CallContext): Promise<VaultVersion[]> {
    try {
      const out: VaultVersion[] = [];
      for await (const p of this.client.listPropertiesOfSecretVersions(this.secretName, {
        abortSignal: callSignal(ctx),
      }))
        out.push(toVaultVersion(p));
      return out;
    } catch (e) {
      if (isNotFound(e)) return [];
      throw this.fail(e, "list the versions of", ctx);
    }
  }

  /** The value, for the probe only; the caller drops it after use. */
  async read(version: string, ctx: CallContext): Promise<string> {
    try {
      const s = await this.client.getSecret(this.secretName, { version, abortSignal: callSignal(ctx) });
      return s.value ?? "";
    } catch (e) {
      throw this.fail(e, "read", ctx);
    }
  }

  async disable(version: string, ctx: CallContext): Promise<void> {
    try {
      await this.client.updateSecretProperties(this.secretName, version, {
        enabled: false,
        abortSignal: callSignal(ctx),
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.fail(e, "disable a version of", ctx);
    }
  }
}

import { ClientSecretCredential } from "@azure/identity";
import type { CloudProfile } from "../config/clouds.js";
import { safeMessage } from "./errors.js";
import type { ProbeOutcome } from "../rotation/ports.js";
import { PROPAGATION_WINDOW_MS } from "../rotation/model.js";
import { callSignal } from "../core/callContext.js";

export interface ProbeDeps {
  cloud: CloudProfile;
  tenantId: string;
  appId: string;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Aborted when the run's budget is spent: the probe then reports "pending". */
  budget: AbortSignal;
  callTimeoutMs: number;
}

const aadCode = (e: unknown): string | undefined => /AADSTS(\d+)/.exec(safeMessage(e))?.[1];

/**
 * Proves a new secret works by getting a token with it for the Logs Ingestion audience (what
 * Keeper asks for). A new secret is refused (AADSTS7000215) for a while after creation: inside
 * that window the probe backs off and tries again; after it, a refusal is final.
 */
export async function probeSecret(secret: string, createdAt: Date, d: ProbeDeps): Promise<ProbeOutcome> {
  const credential = new ClientSecretCredential(d.tenantId, d.appId, secret, {
    authorityHost: d.cloud.authorityHost,
    disableInstanceDiscovery: !d.cloud.knownAuthority,
    retryOptions: { maxRetries: 0 },
  });
  const scope = `${d.cloud.audiences.logsIngestion}/.default`;
  const windowEnd = createdAt.getTime() + PROPAGATION_WINDOW_MS;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    if (d.budget.aborted)
      return { kind: "pending", reason: "the run's budget ran out while the new secret propagates" };
    try {
      await credential.getToken(scope, {
        abortSignal: callSignal({ budget: d.budget, callTimeoutMs: d.callTimeoutMs }),
      });
      return { kind: "ok" };
    } catch (e) {
      const code = aadCode(e);
      const inWindow = d.clock().getTime() < windowEnd;
      if (code === "7000215" && inWindow) {
        await d.sleep(delay);
        continue;
      }
      if (code === "7000215" || code === "7000222")
        return { kind: "refused", reason: `the new secret was refused (AADSTS${code}) after the propagation window` };
      // Any other refusal is about the app, not this secret (7000112: the app is disabled; 700016:
      // not found in the tenant): every secret fails alike, the old one too. Taking the new one back
      // would remove a secret the Keeper admin may already have pasted from Key Vault, and the next
      // run would add another; it stays, and is proven once the app signs in again.
      return {
        kind: "pending",
        reason:
          code === "7000112"
            ? "the Keeper app's service principal is disabled (AADSTS7000112): no secret of the app can get a token until it is enabled again (see app.servicePrincipal)"
            : `token request with the new secret failed: ${safeMessage(e)}`,
      };
    }
  }
}

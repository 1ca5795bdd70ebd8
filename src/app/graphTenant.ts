import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { Config } from "../config/loadConfig.js";
import { federatedCredential } from "../azure/credential.js";
import { safeMessage } from "../azure/errors.js";
import { principalIdOf, tenantIdOf } from "../report/monitorPrincipal.js";

/**
 * A token the monitor could not get for the Keeper connector's tenant, with the step that fixes
 * it. Its name makes the adapters report it as a sign-in failure (unknown), never as the Keeper
 * app missing.
 */
export class TenantCredentialError extends Error {
  constructor(
    message: string,
    readonly remediation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CredentialUnavailableError";
  }
}

const aadCode = (e: unknown): string | undefined => /AADSTS(\d+)/.exec(safeMessage(e))?.[1];

/**
 * The credential Graph is called with for the Keeper connector's tenant. In the monitor's own
 * tenant (AZURE_TENANT_ID, else the `tid` of its own token) it is the monitor's credential, with
 * no extra request. In another tenant (a provider watching a customer's connector) Graph must be
 * called there: as the multi-tenant app KEEPER_GRAPH_APP_ID, whose federated identity credential
 * is the monitor's managed identity (one credential per tenant for the process, see
 * federatedCredential). Without that setting the token request fails with an error naming it,
 * never a call into the monitor's own directory, where the Keeper app would look missing.
 * ARM, Log Analytics and Key Vault keep the monitor's credential (Azure Lighthouse delegates the
 * customer's resources to it).
 */
export function graphCredentialFor(
  config: Pick<Config, "cloud" | "identity" | "keeper">,
  own: TokenCredential,
  root: TokenCredential,
): TokenCredential {
  const target = config.keeper.tenantId.toLowerCase();
  const configuredHome = config.identity.tenantId?.toLowerCase();
  if (configuredHome === target) return own;
  const graphAppId = config.identity.graphAppId;

  const foreignToken = async (
    home: string,
    principalId: string | undefined,
    scopes: string | string[],
    options: GetTokenOptions | undefined,
  ): Promise<AccessToken | null> => {
    const who = principalId ? `principal id ${principalId}` : "its principal id";
    if (graphAppId === undefined)
      throw new TenantCredentialError(
        `the Keeper connector is in tenant ${target}, not the monitor's own tenant ${home}: KEEPER_GRAPH_APP_ID is not set, so Microsoft Graph cannot be called in tenant ${target}`,
        `Set KEEPER_GRAPH_APP_ID to the client ID of a multi-tenant app registration in tenant ${home} that trusts the monitor's managed identity (${who}) as a federated identity credential, consented in tenant ${target} (docs/multi-tenant.md).`,
      );
    try {
      return await federatedCredential(config.cloud, target, graphAppId, own, root).getToken(scopes, options);
    } catch (e) {
      throw federatedSignInError(e, { home, target, graphAppId, who, authority: config.cloud.authorityHost });
    }
  };

  return {
    async getToken(scopes, options) {
      if (configuredHome !== undefined) return foreignToken(configuredHome, undefined, scopes, options);
      // the monitor's own tenant is its token's: the token is the one used when the tenant is the same
      const t = await own.getToken(scopes, options);
      const home = t ? tenantIdOf(t.token) : undefined;
      if (!t || home === undefined || home === target) return t;
      return foreignToken(home, principalIdOf(t.token), scopes, options);
    },
  };
}

/** The refusals the federated sign-in meets (Entra's AADSTS codes), each with the step that fixes it. */
export function federatedSignInError(
  e: unknown,
  at: { home: string; target: string; graphAppId: string; who: string; authority: string },
): Error {
  const code = aadCode(e);
  const base = `could not sign in to tenant ${at.target} as the app KEEPER_GRAPH_APP_ID ${at.graphAppId}`;
  const consent = `${at.authority.replace(/\/+$/, "")}/${at.target}/adminconsent?client_id=${at.graphAppId}`;
  switch (code) {
    case "70021":
      return new TenantCredentialError(
        `${base}: AADSTS70021, the app has no federated identity credential matching the monitor's managed identity`,
        `Add one to the app registration in tenant ${at.home}: issuer ${at.authority.replace(/\/+$/, "")}/${at.home}/v2.0, subject the managed identity's ${at.who}, audience api://AzureADTokenExchange (az ad app federated-credential create --id ${at.graphAppId} --parameters credential.json; docs/multi-tenant.md).`,
        { cause: e },
      );
    case "700016":
    case "7000229":
    case "650052":
      return new TenantCredentialError(
        `${base}: AADSTS${code}, the app has no service principal (admin consent) in tenant ${at.target}`,
        `An administrator of tenant ${at.target} grants admin consent: ${consent}`,
        { cause: e },
      );
    case "700236":
      return new TenantCredentialError(
        `${base}: AADSTS700236, the app is not registered in the managed identity's tenant ${at.home}`,
        `Register KEEPER_GRAPH_APP_ID in tenant ${at.home} (the managed identity's) as a multi-tenant app, not in tenant ${at.target} (docs/multi-tenant.md).`,
        { cause: e },
      );
    default:
      return new TenantCredentialError(
        `${base}: ${safeMessage(e)}`,
        `Check the app registration KEEPER_GRAPH_APP_ID in tenant ${at.home}, its federated identity credential for the monitor's managed identity, and its admin consent in tenant ${at.target}: ${consent}`,
        { cause: e },
      );
  }
}

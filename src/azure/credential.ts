import {
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
import type { Config } from "../config/loadConfig.js";
import { READ_RETRY_OPTIONS } from "../core/callContext.js";
import { sharedDiscoveryHttpClient, sharedTokenCredential, type TokenCacheOptions } from "./tokenCache.js";

/**
 * The monitor's own identity, from the same settings as everything else: a client secret when
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET are all set (outside Azure); otherwise
 * DefaultAzureCredential (the user-assigned managed identity named by AZURE_CLIENT_ID in Azure,
 * or az login). For an authority MSAL does not know (a Custom cloud), instance discovery is off,
 * so MSAL does not call the public discovery endpoint. In a Function App the managed identity's
 * tokens come from the platform's endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER): no discovery, one
 * GET per audience; MSAL picks that source, and keeps its tokens, once per process.
 *
 * Build it once per process: every client shares its token cache (concurrent requests for one
 * audience make one token request) and its authority discovery (one OpenID document fetch for the
 * process, none for the public and US Government authorities, whose metadata MSAL carries).
 */
export function createCredential(
  config: Pick<Config, "cloud" | "identity">,
  cache: TokenCacheOptions = {},
): TokenCredential {
  return sharedTokenCredential(msalCredential(config), cache);
}

function msalCredential(config: Pick<Config, "cloud" | "identity">): TokenCredential {
  const { cloud, identity } = config;
  const common = {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: !cloud.knownAuthority,
    retryOptions: READ_RETRY_OPTIONS,
    httpClient: sharedDiscoveryHttpClient(),
  };
  if (identity.clientId && identity.tenantId && identity.clientSecret)
    return new ClientSecretCredential(identity.tenantId, identity.clientId, identity.clientSecret, common);
  return new DefaultAzureCredential({
    ...common,
    ...(identity.clientId ? { managedIdentityClientId: identity.clientId } : {}),
    ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
  });
}

/** One federated credential per monitor credential, authority, tenant and app, for the process. */
const federated = new WeakMap<TokenCredential, Map<string, TokenCredential>>();

/**
 * The monitor acting as a multi-tenant app registration in another tenant, with no secret: the
 * app trusts the monitor's managed identity as a federated identity credential, so the client
 * assertion is the managed identity's own token for the cloud's token-exchange audience
 * (`api://AzureADTokenExchange`), asked of `assertions` (the monitor's shared credential, so one
 * assertion token serves every tenant). Built once per `root` (the monitor's credential under its
 * caches), tenant and app, behind a shared token cache: concurrent requests make one token
 * request. https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
 */
export function federatedCredential(
  cloud: Config["cloud"],
  tenantId: string,
  appId: string,
  assertions: TokenCredential,
  root: TokenCredential,
  cache: TokenCacheOptions = {},
): TokenCredential {
  let byTenant = federated.get(root);
  if (!byTenant) federated.set(root, (byTenant = new Map<string, TokenCredential>()));
  const key = `${cloud.authorityHost}|${tenantId.toLowerCase()}|${appId.toLowerCase()}`;
  const held = byTenant.get(key);
  if (held) return held;
  const scope = `${cloud.audiences.tokenExchange}/.default`;
  const credential = sharedTokenCredential(
    new ClientAssertionCredential(
      tenantId,
      appId,
      async () => {
        const t = await assertions.getToken(scope);
        if (!t) throw new Error(`the monitor's identity returned no token for ${cloud.audiences.tokenExchange}`);
        return t.token;
      },
      {
        authorityHost: cloud.authorityHost,
        disableInstanceDiscovery: !cloud.knownAuthority,
        retryOptions: READ_RETRY_OPTIONS,
        httpClient: sharedDiscoveryHttpClient(),
      },
    ),
    cache,
  );
  byTenant.set(key, credential);
  return credential;
}

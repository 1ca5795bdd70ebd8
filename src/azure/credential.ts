import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { Config } from "../config/loadConfig.js";
import { READ_RETRY_OPTIONS } from "../core/callContext.js";
import { sharedDiscoveryHttpClient, sharedTokenCredential, type TokenCacheOptions } from "./tokenCache.js";

/**
 * The monitor's own identity, from the same settings as everything else: a client secret when
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET are all set (outside Azure); otherwise
 * DefaultAzureCredential (the user-assigned managed identity named by AZURE_CLIENT_ID in Azure,
 * or az login). For an authority MSAL does not know (a Custom cloud), instance discovery is off,
 * so MSAL does not call the public discovery endpoint.
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

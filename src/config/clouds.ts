/** Endpoints and token audiences of each Azure cloud the monitor supports. */
export type CloudName = "AzureCloud" | "AzureUSGovernment" | "AzureChinaCloud" | "Custom";
export const CLOUD_NAMES: readonly CloudName[] = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud", "Custom"];

export interface CloudProfile {
  name: CloudName;
  authorityHost: string;
  resourceManagerEndpoint: string;
  graphEndpoint: string;
  logAnalyticsEndpoint: string;
  /** Token audiences ("resource" URIs, without /.default). */
  audiences: {
    arm: string;
    graph: string;
    logAnalytics: string;
    keyVault: string;
    logsIngestion: string;
    /**
     * The audience of a managed identity's token used as a federated credential, per cloud
     * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
     */
    tokenExchange: string;
  };
  portalUrl: string;
  /** Whether the authority is one MSAL knows; otherwise instance discovery must be off. */
  knownAuthority: boolean;
  /**
   * DNS suffix of the cloud's Key Vaults (".vault.azure.net"); undefined for a Custom cloud, where
   * the vault may be any https host. https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates
   */
  keyVaultDnsSuffix?: string;
}

const PUBLIC_AUDIENCES = {
  arm: "https://management.azure.com",
  graph: "https://graph.microsoft.com",
  logAnalytics: "https://api.loganalytics.io",
  keyVault: "https://vault.azure.net",
  logsIngestion: "https://monitor.azure.com",
  tokenExchange: "api://AzureADTokenExchange",
};

export const CLOUD_PROFILES: Record<Exclude<CloudName, "Custom">, CloudProfile> = {
  AzureCloud: {
    name: "AzureCloud",
    authorityHost: "https://login.microsoftonline.com",
    resourceManagerEndpoint: "https://management.azure.com",
    graphEndpoint: "https://graph.microsoft.com",
    logAnalyticsEndpoint: "https://api.loganalytics.io",
    audiences: PUBLIC_AUDIENCES,
    portalUrl: "https://portal.azure.com",
    knownAuthority: true,
    keyVaultDnsSuffix: ".vault.azure.net",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    authorityHost: "https://login.microsoftonline.us",
    resourceManagerEndpoint: "https://management.usgovcloudapi.net",
    graphEndpoint: "https://graph.microsoft.us",
    logAnalyticsEndpoint: "https://api.loganalytics.us",
    audiences: {
      arm: "https://management.usgovcloudapi.net",
      graph: "https://graph.microsoft.us",
      logAnalytics: "https://api.loganalytics.us",
      keyVault: "https://vault.usgovcloudapi.net",
      logsIngestion: "https://monitor.azure.us",
      tokenExchange: "api://AzureADTokenExchangeUSGov",
    },
    portalUrl: "https://portal.azure.us",
    knownAuthority: true,
    keyVaultDnsSuffix: ".vault.usgovcloudapi.net",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    authorityHost: "https://login.chinacloudapi.cn",
    resourceManagerEndpoint: "https://management.chinacloudapi.cn",
    graphEndpoint: "https://microsoftgraph.chinacloudapi.cn",
    logAnalyticsEndpoint: "https://api.loganalytics.azure.cn",
    audiences: {
      arm: "https://management.chinacloudapi.cn",
      graph: "https://microsoftgraph.chinacloudapi.cn",
      logAnalytics: "https://api.loganalytics.azure.cn",
      keyVault: "https://vault.azure.cn",
      logsIngestion: "https://monitor.azure.cn",
      tokenExchange: "api://AzureADTokenExchangeChina",
    },
    portalUrl: "https://portal.azure.cn",
    knownAuthority: true,
    keyVaultDnsSuffix: ".vault.azure.cn",
  },
};

/**
 * A Custom cloud (a sovereign cloud not listed, or the emulator) keeps the public-cloud token
 * audiences, so a server that speaks these APIs sees the same tokens Azure would.
 */
export function customCloud(endpoints: {
  authorityHost: string;
  resourceManagerEndpoint: string;
  graphEndpoint: string;
  logAnalyticsEndpoint: string;
}): CloudProfile {
  return {
    name: "Custom",
    ...endpoints,
    audiences: PUBLIC_AUDIENCES,
    portalUrl: "https://portal.azure.com",
    knownAuthority: false,
  };
}

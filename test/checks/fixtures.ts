import { keeperProfile } from "../../src/connector/profile.js";
import type { Expected, Observed } from "../../src/checks/expected.js";
import { found } from "../../src/core/observation.js";
import { analyze } from "../../src/checks/analyze.js";
import type { Finding } from "../../src/core/finding.js";

const SUB = "11111111-2222-3333-4444-555555555555";
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-sentinel`;
export const DCR_ID = `${RG}/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR`;
export const DCE_ID = `${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/law-sentinel`;
export const WS_ID = `${RG}/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
export const SP_OID = "99999999-8888-7777-6666-555555555555";
export const NOW = new Date("2026-11-25T12:00:00Z");
export const KEY_A = "aaaaaaaa-0000-0000-0000-000000000001";
export const KEY_B = "bbbbbbbb-0000-0000-0000-000000000002";
const days = (n: number): Date => new Date(NOW.getTime() + n * 86_400_000);

export function expected(overrides: Partial<Expected> = {}): Expected {
  return {
    profile: keeperProfile("Custom-KeeperSecurityEventNewLogs", "KeeperSecurityEventNewLogs_CL"),
    tenantId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    appId: "12345678-1234-1234-1234-123456789abc",
    dcrId: DCR_ID,
    dcrImmutableId: "dcr-0123456789abcdef0123456789abcdef",
    dceUri: "https://law-sentinel-abcd.eastus-1.ingest.monitor.azure.com",
    workspaceId: WS_ID,
    keyVault: { uri: "https://kv-keeper.vault.azure.net/", secretName: "keeper-connector-client-secret" },
    secretWarnDays: 14,
    secretCriticalDays: 7,
    silenceThresholdMinutes: 60,
    ...overrides,
  };
}

/** A healthy deployment as the adapters would report it. */
export function healthy(): Observed {
  const p = keeperProfile("Custom-KeeperSecurityEventNewLogs", "KeeperSecurityEventNewLogs_CL");
  return {
    now: NOW,
    workspace: found({ id: WS_ID, name: "law-sentinel", customerId: "c0c0c0c0-0000-0000-0000-000000000000" }),
    table: found({ name: p.tableName, plan: "Analytics", columns: p.tableColumns.map((c) => ({ ...c })) }),
    dcr: found({
      id: DCR_ID,
      name: "KeeperSecurityEventLogs_DCR",
      immutableId: "dcr-0123456789abcdef0123456789abcdef",
      dataCollectionEndpointId: DCE_ID,
      streamDeclarations: { [p.streamName]: p.streamColumns.map((c) => ({ ...c })) },
      logAnalyticsDestinations: [{ name: "clv2ws1", workspaceResourceId: WS_ID }],
      dataFlows: [
        {
          streams: [p.streamName],
          destinations: ["clv2ws1"],
          transformKql: p.transformKql,
          outputStream: p.outputStream,
        },
      ],
    }),
    dce: found({
      id: DCE_ID,
      name: "law-sentinel",
      logsIngestionEndpoint: "https://law-sentinel-abcd.eastus-1.ingest.monitor.azure.com",
    }),
    app: found({
      objectId: "a0a0a0a0-0000-0000-0000-000000000000",
      appId: "12345678-1234-1234-1234-123456789abc",
      passwordCredentials: [
        { keyId: KEY_A, displayName: "old", startDateTime: days(-200), endDateTime: days(-20) },
        { keyId: KEY_B, displayName: "current", startDateTime: days(-20), endDateTime: days(160) },
      ],
    }),
    servicePrincipal: found({ objectId: SP_OID, appId: "12345678-1234-1234-1234-123456789abc", accountEnabled: true }),
    roleAssignments: found([
      {
        id: `${DCR_ID}/providers/Microsoft.Authorization/roleAssignments/1`,
        roleDefinitionGuid: "3913510d-42f4-4e42-8a64-420c390055eb",
        principalId: SP_OID,
        scope: DCR_ID,
      },
    ]),
    vaultSecret: found({
      name: "keeper-connector-client-secret",
      version: "v1",
      enabled: true,
      expiresOn: days(160),
      tags: { appId: "12345678-1234-1234-1234-123456789abc", keyId: KEY_B },
    }),
  };
}

export { days };

/** The drift findings the real analyzers produce for a deployment broken by `fn`. */
export function drift(fn: (o: Observed) => void = () => undefined): Finding[] {
  const o = healthy();
  fn(o);
  return analyze(expected(), o);
}

/** DCR call counts by response code, as the metrics read them. */
export const calls = (byCode: Record<string, number>) =>
  found({ byCode, total: Object.values(byCode).reduce((s, n) => s + n, 0) });

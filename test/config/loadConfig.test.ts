import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import { isValidSchedule } from "../../src/config/schedule.js";
import { VALID_ENV } from "./env.js";
import { watchSettingsFromConfig } from "../../src/app/monitor.js";

function problemsOf(env: Record<string, string | undefined>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return Object.fromEntries(e.problems.map((p) => [p.setting, p.message]));
    throw e;
  }
  return {};
}

describe("loadConfig", () => {
  it("accepts the required settings and applies every default", () => {
    const c = loadConfig(VALID_ENV);
    expect(c.keeper.dcr.name).toBe("KeeperSecurityEventLogs_DCR");
    expect(c.keeper.workspace.resourceGroup).toBe("rg-sentinel");
    expect(c.keeper.streamName).toBe("Custom-KeeperSecurityEventNewLogs");
    expect(c.keeper.tableName).toBe("KeeperSecurityEventNewLogs_CL");
    expect(c.keyVault).toBeUndefined();
    expect(c.secret).toEqual({ warnDays: 14, criticalDays: 7 });
    expect(c.silenceThresholdMinutes).toBe(60);
    expect(c.driftCheckSchedule).toBe("0 */15 * * * *");
    expect(c.cloud.name).toBe("AzureCloud");
    expect(c.cloud.knownAuthority).toBe(true);
    expect(c.callTimeoutMs).toBe(30_000);
  });

  it("names every missing required setting in one error", () => {
    const p = problemsOf({});
    expect(Object.keys(p).sort()).toEqual([
      "KEEPER_APP_ID",
      "KEEPER_DCE_URI",
      "KEEPER_DCR_IMMUTABLE_ID",
      "KEEPER_DCR_RESOURCE_ID",
      "KEEPER_TENANT_ID",
      "KEEPER_WORKSPACE_RESOURCE_ID",
    ]);
    for (const m of Object.values(p)) expect(m).toMatch(/^missing/);
  });

  it.each([
    ["KEEPER_TENANT_ID", "not-a-guid", /not a GUID/],
    ["KEEPER_APP_ID", "1234", /not a GUID/],
    ["KEEPER_DCR_RESOURCE_ID", "KeeperSecurityEventLogs_DCR", /not an ARM resource ID/],
    [
      "KEEPER_DCR_RESOURCE_ID",
      VALID_ENV.KEEPER_WORKSPACE_RESOURCE_ID,
      /wrong type.*Microsoft.Insights\/dataCollectionRules/,
    ],
    ["KEEPER_WORKSPACE_RESOURCE_ID", VALID_ENV.KEEPER_DCR_RESOURCE_ID, /wrong type/],
    ["KEEPER_DCR_IMMUTABLE_ID", "dcr-xyz", /32 hex/],
    ["KEEPER_DCE_URI", "http://x.ingest.monitor.azure.com", /not an https URL/],
    ["KEEPER_DCE_URI", "not a url", /not a URL/],
    ["KEY_VAULT_URI", "ftp://vault", /not an https URL/],
    ["KEEPER_TABLE_NAME", "Keeper", /_CL/],
    ["KEEPER_STREAM_NAME", "KeeperStream", /Custom-/],
    ["SECRET_WARN_DAYS", "two", /not a whole number/],
    ["SECRET_CRITICAL_DAYS", "30", /below SECRET_WARN_DAYS/],
    ["SILENCE_THRESHOLD_MINUTES", "1", /out of range/],
    ["DRIFT_CHECK_SCHEDULE", "*/15 * * * *", /six fields/],
    ["AZURE_CLOUD", "Mars", /unknown cloud "Mars"/],
    ["CALL_TIMEOUT_SECONDS", "120", /out of range/],
    ["MICROSOFT_GRAPH_ENDPOINT", "https://graph.example", /only used when AZURE_CLOUD=Custom/],
    ["AZURE_CLIENT_ID", "monitor", /not a GUID/],
    ["INGESTION_CHECK_SCHEDULE", "every 5 minutes", /six fields/],
    ["SILENCE_MAX_MINUTES", "15", /above SILENCE_MIN_MINUTES/],
    ["SECRET_LIFETIME_DAYS", "20", /above SECRET_ROTATE_BEFORE_DAYS/],
    ["SECRET_RETIRE_UNMANAGED", "yes", /not true or false/],
    ["ALERT_TEAMS_WEBHOOK_URL", "http://example.invalid/workflows/x?sig=abc", /not an https URL \(value not shown/],
    ["AzureWebJobsStorage", "not a connection string", /not a storage connection string/],
    ["AZURE_CLIENT_SECRET", "x", /all three are needed/],
    ["TRAFFIC_TIME_ZONE", "Australia/Sidney", /unknown time zone "Australia\/Sidney", expected an IANA name/],
    ["TRAFFIC_TIME_ZONE", "UTC+11", /unknown time zone "UTC\+11"/],
    ["WEEKEND_DAYS", "Fri,Saturdai", /unknown day "Saturdai", expected day names such as Fri,Sat/],
    ["WEEKEND_DAYS", "Sun,Mon,Tue,Wed,Thu,Fri,Sat", /expected 1 to 6 day names/],
  ])("rejects %s=%s", (name, value, message) => {
    const p = problemsOf({ ...VALID_ENV, [name]: value });
    expect(Object.keys(p)).toEqual([name]);
    expect(p[name]).toMatch(message);
  });

  const DCR = VALID_ENV.KEEPER_DCR_RESOURCE_ID;
  const AZURITE =
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=<redacted>;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
  const CUSTOM = {
    AZURE_CLOUD: "Custom",
    AZURE_AUTHORITY_HOST: "https://login.example.test",
    AZURE_RESOURCE_MANAGER_ENDPOINT: "https://arm.example.test",
    MICROSOFT_GRAPH_ENDPOINT: "https://graph.example.test",
    LOG_ANALYTICS_ENDPOINT: "https://logs.example.test",
  };
  it.each<[string, Record<string, string>, string, RegExp]>([
    [
      "a query on the DCR id",
      { KEEPER_DCR_RESOURCE_ID: `${DCR}?x=1` },
      "KEEPER_DCR_RESOURCE_ID",
      /must not contain "\?"/,
    ],
    [
      "a fragment on the DCR id",
      { KEEPER_DCR_RESOURCE_ID: `${DCR}#x` },
      "KEEPER_DCR_RESOURCE_ID",
      /must not contain "#"/,
    ],
    [
      "a trailing word on the DCR id",
      { KEEPER_DCR_RESOURCE_ID: `${DCR} x` },
      "KEEPER_DCR_RESOURCE_ID",
      /must not contain whitespace/,
    ],
    [
      "a query on the workspace id",
      { KEEPER_WORKSPACE_RESOURCE_ID: `${VALID_ENV.KEEPER_WORKSPACE_RESOURCE_ID}?api-version=1` },
      "KEEPER_WORKSPACE_RESOURCE_ID",
      /no query, fragment or space/,
    ],
    [
      "a vault on a foreign host",
      { KEY_VAULT_URI: "https://vault.example.com/" },
      "KEY_VAULT_URI",
      /not a Key Vault of AzureCloud: the host must be <vault-name>\.vault\.azure\.net/,
    ],
    [
      "a vault of another cloud",
      { KEY_VAULT_URI: "https://kv-keeper.vault.azure.cn/" },
      "KEY_VAULT_URI",
      /\.vault\.azure\.net \(it is kv-keeper\.vault\.azure\.cn\)/,
    ],
    [
      "a vault host that only starts like one",
      { KEY_VAULT_URI: "https://kv.vault.azure.net.example.com/" },
      "KEY_VAULT_URI",
      /not a Key Vault/,
    ],
    [
      "a vault URI with a path",
      { KEY_VAULT_URI: "https://kv-keeper.vault.azure.net/secrets/x" },
      "KEY_VAULT_URI",
      /must not carry a path/,
    ],
    [
      "a Graph endpoint with /v1.0",
      { ...CUSTOM, MICROSOFT_GRAPH_ENDPOINT: "https://graph.example.test/v1.0" },
      "MICROSOFT_GRAPH_ENDPOINT",
      /must not carry a path \(\/v1\.0\)/,
    ],
    [
      "a Log Analytics endpoint with /v1",
      { ...CUSTOM, LOG_ANALYTICS_ENDPOINT: "https://logs.example.test/v1" },
      "LOG_ANALYTICS_ENDPOINT",
      /must not carry a path \(\/v1\)/,
    ],
    [
      "a DCE URI with a path",
      { KEEPER_DCE_URI: `${VALID_ENV.KEEPER_DCE_URI}/dataCollectionRules/x` },
      "KEEPER_DCE_URI",
      /must not carry a path/,
    ],
    [
      "Keeper's whole Endpoint URL pasted as the DCE URI: keep the https://<host> part",
      {
        KEEPER_DCE_URI: `${VALID_ENV.KEEPER_DCE_URI}/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-KeeperSecurity_CL?api-version=2023-01-01`,
      },
      "KEEPER_DCE_URI",
      new RegExp(
        `whole Endpoint URL: keep only its https://<host> part, KEEPER_DCE_URI=${VALID_ENV.KEEPER_DCE_URI.replace(/[.]/g, "\\.")} `,
      ),
    ],
    [
      "a DCE URI with user info",
      { KEEPER_DCE_URI: "https://keeper:pw@law-sentinel-abcd.eastus-1.ingest.monitor.azure.com" },
      "KEEPER_DCE_URI",
      /must not carry user info/,
    ],
    [
      "a schedule every second",
      { DRIFT_CHECK_SCHEDULE: "* * * * * *" },
      "DRIFT_CHECK_SCHEDULE",
      /fires more than once a minute/,
    ],
    [
      "a schedule every 10 seconds",
      { INGESTION_CHECK_SCHEDULE: "*/10 * * * * *" },
      "INGESTION_CHECK_SCHEDULE",
      /shortest interval is one minute/,
    ],
    [
      "a TimeSpan of 30 seconds",
      { ALERT_DELIVERY_SCHEDULE: "00:00:30" },
      "ALERT_DELIVERY_SCHEDULE",
      /fires more than once a minute/,
    ],
    [
      "an http authority host under AzureCloud",
      { AZURE_AUTHORITY_HOST: "http://login.example.test" },
      "AZURE_AUTHORITY_HOST",
      /only used when AZURE_CLOUD=Custom \(it is AzureCloud, which ignores it\)/,
    ],
    [
      "another authority host under AzureCloud",
      { AZURE_AUTHORITY_HOST: "https://login.example.test" },
      "AZURE_AUTHORITY_HOST",
      /only used when AZURE_CLOUD=Custom/,
    ],
    [
      "an http authority host under Custom",
      { ...CUSTOM, AZURE_AUTHORITY_HOST: "http://login.example.test" },
      "AZURE_AUTHORITY_HOST",
      /not an https URL/,
    ],
    [
      "storage over http to a remote host",
      { AzureWebJobsStorage: AZURITE.replace("127.0.0.1", "storage.example.com") },
      "AzureWebJobsStorage",
      /plain http to storage\.example\.com/,
    ],
    [
      "storage over http to the account's own endpoint",
      {
        AzureWebJobsStorage:
          "DefaultEndpointsProtocol=http;AccountName=stkeeper;AccountKey=<redacted>;EndpointSuffix=core.windows.net",
      },
      "AzureWebJobsStorage",
      /plain http to stkeeper\.table\.core\.windows\.net/,
    ],
  ])("refuses %s, naming the setting and why", (_name, change, setting, message) => {
    const p = problemsOf({ ...VALID_ENV, ...change });
    expect(Object.keys(p)).toEqual([setting]);
    expect(p[setting]).toMatch(message);
  });

  it.each<[string, Record<string, string>]>([
    ["a vault of the public cloud", { KEY_VAULT_URI: "https://kv-keeper.vault.azure.net/" }],
    ["a vault without the trailing slash", { KEY_VAULT_URI: "https://KV-Keeper.vault.azure.net" }],
    [
      "a US Government vault",
      { AZURE_CLOUD: "AzureUSGovernment", KEY_VAULT_URI: "https://kv-keeper.vault.usgovcloudapi.net/" },
    ],
    ["any https vault host under Custom", { ...CUSTOM, KEY_VAULT_URI: "https://127.0.0.1:8443/" }],
    ["the cloud's own authority host", { AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/" }],
    ["a schedule once a minute", { DRIFT_CHECK_SCHEDULE: "0 * * * * *", ALERT_DELIVERY_SCHEDULE: "00:01:00" }],
    ["Azurite over loopback http", { AzureWebJobsStorage: AZURITE }],
    ["a DCE URI with a trailing slash", { KEEPER_DCE_URI: `${VALID_ENV.KEEPER_DCE_URI}/` }],
    ["a DCR id with a trailing slash", { KEEPER_DCR_RESOURCE_ID: `${DCR}/` }],
  ])("accepts %s", (_name, change) => {
    expect(problemsOf({ ...VALID_ENV, ...change })).toEqual({});
  });

  it("reads the company's calendar: an IANA zone and weekend day names; unset, both are learned", () => {
    const c = loadConfig({ ...VALID_ENV, TRAFFIC_TIME_ZONE: "Asia/Riyadh", WEEKEND_DAYS: "fri, Saturday" });
    expect(c.ingestion).toMatchObject({ trafficTimeZone: "Asia/Riyadh", weekendDays: [5, 6] });
    expect(loadConfig(VALID_ENV).ingestion).toMatchObject({ trafficTimeZone: undefined, weekendDays: undefined });
    // and hands them to the ingestion watch
    expect(watchSettingsFromConfig(c)).toMatchObject({ trafficTimeZone: "Asia/Riyadh", weekendDays: [5, 6] });
  });

  it("lists several bad settings together, each with its reason", () => {
    const p = problemsOf({ ...VALID_ENV, KEEPER_APP_ID: "x", AZURE_CLOUD: "Mars", SECRET_WARN_DAYS: "-1" });
    expect(Object.keys(p).sort()).toEqual(["AZURE_CLOUD", "KEEPER_APP_ID", "SECRET_WARN_DAYS"]);
    try {
      loadConfig({ ...VALID_ENV, KEEPER_APP_ID: "x", AZURE_CLOUD: "Mars" });
    } catch (e) {
      expect(String((e as Error).message)).toMatch(/KEEPER_APP_ID: not a GUID[\s\S]*AZURE_CLOUD: unknown cloud/);
    }
  });

  it("requires every endpoint for the Custom cloud and keeps public-cloud audiences", () => {
    const p = problemsOf({ ...VALID_ENV, AZURE_CLOUD: "Custom" });
    expect(Object.keys(p).sort()).toEqual([
      "AZURE_AUTHORITY_HOST",
      "AZURE_RESOURCE_MANAGER_ENDPOINT",
      "LOG_ANALYTICS_ENDPOINT",
      "MICROSOFT_GRAPH_ENDPOINT",
    ]);
    const c = loadConfig({
      ...VALID_ENV,
      AZURE_CLOUD: "Custom",
      AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443/",
      AZURE_RESOURCE_MANAGER_ENDPOINT: "https://127.0.0.1:8443",
      MICROSOFT_GRAPH_ENDPOINT: "https://127.0.0.1:8443",
      LOG_ANALYTICS_ENDPOINT: "https://127.0.0.1:8443",
    });
    expect(c.cloud.authorityHost).toBe("https://127.0.0.1:8443");
    expect(c.cloud.audiences.arm).toBe("https://management.azure.com");
    expect(c.cloud.audiences.keyVault).toBe("https://vault.azure.net");
    expect(c.cloud.knownAuthority).toBe(false);
  });

  it("uses the sovereign cloud's own endpoints and audiences", () => {
    const c = loadConfig({ ...VALID_ENV, AZURE_CLOUD: "AzureUSGovernment" });
    expect(c.cloud.resourceManagerEndpoint).toBe("https://management.usgovcloudapi.net");
    expect(c.cloud.audiences.logAnalytics).toBe("https://api.loganalytics.us");
  });

  it("normalises the vault URI with a trailing slash and treats empty values as unset", () => {
    expect(loadConfig({ ...VALID_ENV, KEY_VAULT_URI: "https://kv-keeper.vault.azure.net" }).keyVault).toEqual({
      uri: "https://kv-keeper.vault.azure.net/",
      secretName: "keeper-connector-client-secret",
    });
    expect(loadConfig({ ...VALID_ENV, KEY_VAULT_URI: "  " }).keyVault).toBeUndefined();
  });
});

describe("feature settings", () => {
  it("applies the defaults of ingestion, rotation and alerts", () => {
    const c = loadConfig(VALID_ENV);
    expect(c.ingestion).toMatchObject({
      schedule: "0 */5 * * * *",
      baselineDays: 14,
      fixedThresholdMinutes: undefined,
      latencyWarnMinutes: 30,
    });
    expect(c.rotation).toEqual({
      schedule: "0 17 * * * *",
      rotateBeforeDays: 30,
      lifetimeDays: 180,
      retireUnmanaged: false,
      cutoverQuietHours: 24,
      confirmEntraAuth: false,
    });
    expect(c.alerts).toMatchObject({
      openAfter: 2,
      renotifyHours: 4,
      digestSchedule: "0 0 8 * * *",
      teamsWebhookUrl: undefined,
      email: undefined,
    });
    expect(c.storage).toBeUndefined();
  });

  it("reads an explicit SILENCE_THRESHOLD_MINUTES as a fixed override", () => {
    expect(loadConfig({ ...VALID_ENV, SILENCE_THRESHOLD_MINUTES: "45" }).ingestion.fixedThresholdMinutes).toBe(45);
  });

  it("turns the digest off with an empty schedule and parses email recipients", () => {
    const c = loadConfig({
      ...VALID_ENV,
      ALERT_DIGEST_SCHEDULE: "",
      ALERT_EMAIL_FROM: "alerts@example.com",
      ALERT_EMAIL_TO: "a@example.com, b@example.com",
    });
    expect(c.alerts.digestSchedule).toBeUndefined();
    expect(c.alerts.email).toEqual({ from: "alerts@example.com", to: ["a@example.com", "b@example.com"] });
  });

  it("validates the email pair together", () => {
    expect(
      problemsOf({
        ...VALID_ENV,
        ALERT_EMAIL_FROM: "alerts@example.com",
        ALERT_EMAIL_TO: "secops@example.com, nobody",
      }),
    ).toEqual({
      ALERT_EMAIL_TO: 'not an email address: "nobody"',
    });
    expect(Object.keys(problemsOf({ ...VALID_ENV, ALERT_EMAIL_FROM: "alerts@example.com" }))).toEqual([
      "ALERT_EMAIL_TO",
    ]);
    expect(Object.keys(problemsOf({ ...VALID_ENV, ALERT_EMAIL_TO: "a@example.com" }))).toEqual(["ALERT_EMAIL_FROM"]);
  });

  it("never echoes the webhook URL in an error", () => {
    try {
      loadConfig({ ...VALID_ENV, ALERT_TEAMS_WEBHOOK_URL: "ftp://host/x?sig=SECRETSIG" });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain("SECRETSIG");
    }
  });

  it.each([
    [
      { AzureWebJobsStorage: "UseDevelopmentStorage=true" },
      { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
    ],
    [
      { AzureWebJobsStorage__accountName: "stkeepermon" },
      {
        kind: "identity",
        tableServiceUri: "https://stkeepermon.table.core.windows.net",
        queueServiceUri: "https://stkeepermon.queue.core.windows.net",
      },
    ],
    [
      { AzureWebJobsStorage__tableServiceUri: "https://stgov.table.core.usgovcloudapi.net/" },
      {
        kind: "identity",
        tableServiceUri: "https://stgov.table.core.usgovcloudapi.net",
        queueServiceUri: "https://stgov.queue.core.usgovcloudapi.net",
      },
    ],
  ])("reads the Function App's storage %j", (env, storage) => {
    expect(loadConfig({ ...VALID_ENV, ...env }).storage).toEqual(storage);
  });
});

describe("STATUS_PAGE_URL", () => {
  const page = (env: Record<string, string>) => loadConfig({ ...VALID_ENV, ...env }).alerts.statusPageUrl;

  it("defaults to the app's own status page when App Service names the host, else no link", () => {
    expect(page({ WEBSITE_HOSTNAME: "kcm-func-abc.azurewebsites.net" })).toBe(
      "https://kcm-func-abc.azurewebsites.net/api/health?format=html",
    );
    expect(page({})).toBeUndefined();
    // a host name that is not one makes no link (and no error: the platform sets it)
    expect(page({ WEBSITE_HOSTNAME: "evil.example/x?y" })).toBeUndefined();
    expect(loadConfig({ ...VALID_ENV, WEBSITE_HOSTNAME: "Kcm.AzureWebsites.net" }).alerts.appHost).toBe(
      "kcm.azurewebsites.net",
    );
  });

  it.each([
    "https://status.contoso.com/keeper",
    "https://kcm.azurewebsites.net/api/health?format=html",
    "http://127.0.0.1:7071/api/health?format=html",
    "http://localhost:7071/api/health?format=html",
    "http://[::1]:7071/api/health",
  ])("accepts %s (and it wins over WEBSITE_HOSTNAME)", (url) => {
    expect(page({ STATUS_PAGE_URL: url, WEBSITE_HOSTNAME: "kcm.azurewebsites.net" })).toBe(new URL(url).toString());
  });

  it.each<[string, RegExp]>([
    ["http://status.contoso.com/keeper", /plain http is allowed only to 127\.0\.0\.1, localhost or \[::1\]/],
    ["http://127.0.0.2/api/health", /plain http is allowed only to/],
    ["ftp://status.contoso.com/keeper", /not an https URL \(ftp\)/],
    ["javascript:alert(1)", /not an https URL \(javascript\)/],
    ["status.contoso.com/keeper", /not a URL/],
    ["https://kcm.azurewebsites.net/api/health?format=html&code=FUNCKEY123", /must not carry a code= query parameter/],
    ["https://kcm.azurewebsites.net/api/health?CODE=FUNCKEY123", /must not carry a code= query parameter/],
    ["https://st.blob.core.windows.net/page.html?sv=2022&sig=SASSIG123", /must not carry a sig= query parameter/],
    ["https://x.example/p?%73ig=SASSIG123&code=FUNCKEY123", /must not carry a code= or sig= query parameter/],
    ["http://status.contoso.com/?code=FUNCKEY123", /must not carry a code=/],
    ["https://user:PW123@status.contoso.com/", /must not carry user info/],
    ["https://status.contoso.com/#incidents", /must not carry a fragment/],
  ])("refuses %s, naming the setting and never its query", (url, message) => {
    const p = problemsOf({ ...VALID_ENV, STATUS_PAGE_URL: url });
    expect(Object.keys(p)).toEqual(["STATUS_PAGE_URL"]);
    expect(p["STATUS_PAGE_URL"]).toMatch(message);
    try {
      loadConfig({ ...VALID_ENV, STATUS_PAGE_URL: url });
      expect.unreachable();
    } catch (e) {
      const text = (e as Error).message;
      expect(text).toContain("STATUS_PAGE_URL");
      for (const secret of ["FUNCKEY123", "SASSIG123", "PW123", "format=html", "sv=2022"])
        expect(text).not.toContain(secret);
    }
  });
});

describe("isValidSchedule", () => {
  it.each([
    ["0 */15 * * * *", true],
    ["0 17 * * * *", true],
    ["0 0 8 * * MON-FRI", true],
    ["00:05:00", true],
    ["*/15 * * * *", false],
    ["0 61 * * * *", false],
    ["0 */0 * * * *", false],
    ["", false],
  ])("%s → %s", (s, valid) => expect(isValidSchedule(s)).toBe(valid));
});

import {
  AUDIENCE,
  DCR_IMMUTABLE_ID,
  IDS,
  KEEPER_APP_DISPLAY_NAME,
  KEEPER_APP_ID,
  KEEPER_SECRET_KEY_ID,
  KEEPER_SP_ID,
  KEY_VAULT_SECRET_NAME,
  ROLE,
  STREAM_NAME,
  TABLE_NAME,
} from "./constants.js";
import type { Column, EmulatorState } from "./state.js";
import type { ScenarioDefinition } from "./scenarios.js";

const MIN = 60_000;
const HOUR = 3_600_000;
/** Longer than the default SILENCE_MAX_MINUTES (12 h): silent at any hour of the week, whatever was learned. */
export const OUTAGE_MS = 13 * HOUR;

export const DCR_LOG_ERRORS_COLUMNS: Column[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "OperationName", type: "string" },
  { name: "InputStreamId", type: "string" },
  { name: "Message", type: "string" },
  { name: "Category", type: "string" },
];
export const LOG_OPERATION_COLUMNS: Column[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "Category", type: "string" },
  { name: "Operation", type: "string" },
  { name: "Level", type: "string" },
  { name: "Detail", type: "string" },
];

/** Minutes ago the "-recent" scenarios' cause began: a gap every hour of a quiet night allows. */
export const RECENT_OUTAGE_MINUTES = 45;

/** Keeper stopped reaching the table `ms` ago: its rows (and its sign-ins) since then are gone. */
function silence(s: EmulatorState, now: number, ms = OUTAGE_MS): number {
  const from = now - ms;
  const keep = (rows: Array<Record<string, unknown>>) => rows.filter((r) => (r["TimeGenerated"] as number) < from);
  const t = s.tables[TABLE_NAME];
  if (t) t.rows = keep(t.rows);
  const si = s.tables["AADServicePrincipalSignInLogs"];
  if (si) si.rows = keep(si.rows);
  return from;
}

/** Keeper keeps trying about every 10 minutes: one sign-in an hour (tokens last an hour) and pushes in between. */
function attempts(from: number, now: number, each: (t: number, newHour: boolean) => void): void {
  let lastHour = -1;
  for (let t = from + 5 * MIN; t < now; t += 10 * MIN) {
    const h = Math.floor(t / HOUR);
    each(t, h !== lastHour);
    lastHour = h;
  }
}

function signIn(s: EmulatorState, t: number, resultType: string, description: string): void {
  s.tables["AADServicePrincipalSignInLogs"]?.rows.push({
    TimeGenerated: t,
    AppId: KEEPER_APP_ID,
    ServicePrincipalId: KEEPER_SP_ID,
    ServicePrincipalName: KEEPER_APP_DISPLAY_NAME,
    ResultType: resultType,
    ResultDescription: description,
    ServicePrincipalCredentialKeyId: KEEPER_SECRET_KEY_ID,
    IPAddress: "203.0.113.250",
    ResourceIdentity: AUDIENCE.ingestion,
  });
}

function push(s: EmulatorState, t: number, status: number, rows = 0): void {
  s.ingestionCalls.push({
    at: new Date(t).toISOString(),
    immutableId: DCR_IMMUTABLE_ID,
    stream: STREAM_NAME,
    status,
    rowsReceived: rows,
    rowsDropped: 0,
    principalId: KEEPER_SP_ID,
  });
}

/** Keeper signs in fine and pushes; the DCR answers `status`. */
function pushesAnswered(s: EmulatorState, from: number, now: number, status: (i: number) => number): void {
  let i = 0;
  attempts(from, now, (t, newHour) => {
    if (newHour) signIn(s, t - 4000, "0", "");
    push(s, t, status(i++), 3);
  });
}

/** Keeper's Monitoring Metrics Publisher role was removed `ms` ago: every push since gets 403. */
const roleRemoved =
  (ms: number): ScenarioDefinition["apply"] =>
  (s, c) => {
    const from = silence(s, c.now, ms);
    s.roleAssignments = s.roleAssignments.filter(
      (a) => !(a.principalId === KEEPER_SP_ID && a.roleDefinitionGuid === ROLE.monitoringMetricsPublisher),
    );
    pushesAnswered(s, from, c.now, () => 403);
  };

/** The workspace hit its daily cap `ms` ago: pushes are accepted (204), nothing is stored, _LogOperation says so. */
const dailyCapReached =
  (ms: number): ScenarioDefinition["apply"] =>
  (s, c) => {
    const from = silence(s, c.now, ms);
    const ws = s.resources[IDS.workspace]!.properties;
    ws["workspaceCapping"] = { ...ws["workspaceCapping"], dailyQuotaGb: 0.5, dataIngestionStatus: "OverQuota" };
    pushesAnswered(s, from, c.now, () => 204);
    s.tables["_LogOperation"]?.rows.push({
      TimeGenerated: from,
      Category: "Ingestion",
      Operation: "Data collection stopped",
      Level: "Warning",
      Detail: "Data collection stopped due to daily limit of free data reached. Ingestion status = OverQuota.",
    });
  };

/** One scenario per real cause of "events stopped", each with the evidence Azure would hold. */
export const INGESTION_SCENARIOS: ScenarioDefinition[] = [
  {
    name: "keeper-stopped",
    description: "Keeper stopped sending 13 hours ago: no push, no sign-in, every piece healthy.",
    breaks: ["ingestion.freshness", "ingestion.diagnosis"],
    apply: (s, c) => {
      silence(s, c.now);
    },
  },
  {
    name: "secret-expired-silent",
    description:
      "The Keeper secret expired 13 hours ago: Keeper's sign-ins fail with AADSTS7000222, no push reaches the DCR.",
    breaks: ["secret.expiry", "ingestion.freshness", "ingestion.diagnosis"],
    apply: (s, c) => {
      const from = silence(s, c.now);
      const app = s.apps.find((a) => a.appId === KEEPER_APP_ID)!;
      for (const cred of app.passwordCredentials) cred.endDateTime = new Date(from).toISOString();
      const v = s.vault.secrets[KEY_VAULT_SECRET_NAME]?.versions.at(-1);
      if (v) v.exp = Math.floor(from / 1000);
      attempts(from, c.now, (t) => signIn(s, t, "7000222", "The provided client secret keys for app are expired."));
    },
  },
  {
    name: "role-removed-silent",
    description: "Keeper's Monitoring Metrics Publisher role was removed 13 hours ago: every push gets 403.",
    breaks: ["role.assignment", "ingestion.freshness", "ingestion.diagnosis"],
    apply: roleRemoved(OUTAGE_MS),
  },
  {
    name: "dcr-changed-silent",
    description: "The DCR's input stream was renamed 13 hours ago: Keeper's pushes get 400 and DCRLogErrors logs them.",
    breaks: ["dcr.stream", "dcr.dataFlow", "ingestion.freshness", "ingestion.diagnosis"],
    apply: (s, c) => {
      const from = silence(s, c.now);
      const p = s.resources[IDS.dcr]!.properties;
      const decl = p["streamDeclarations"][STREAM_NAME];
      p["streamDeclarations"] = { "Custom-KeeperEvents": decl };
      p["dataFlows"][0].streams = ["Custom-KeeperEvents"];
      pushesAnswered(s, from, c.now, () => 400);
      attempts(from, c.now, (t) =>
        s.tables["DCRLogErrors"]?.rows.push({
          TimeGenerated: t + 1000,
          OperationName: "Ingestion",
          InputStreamId: STREAM_NAME,
          Message: `Data collection rule with immutable Id '${DCR_IMMUTABLE_ID}' does not have a stream named '${STREAM_NAME}'.`,
          Category: "LogErrors",
        }),
      );
    },
  },
  {
    name: "daily-cap-reached",
    description: "The workspace hit its daily cap 13 hours ago: pushes are accepted (204) but nothing is stored.",
    breaks: ["ingestion.freshness", "ingestion.diagnosis"],
    apply: dailyCapReached(OUTAGE_MS),
  },
  {
    name: "role-removed-recent",
    description: `Keeper's role was removed ${RECENT_OUTAGE_MINUTES} minutes ago: its pushes get 403, a gap quiet hours still allow.`,
    breaks: ["role.assignment", "ingestion.freshness", "ingestion.diagnosis"],
    apply: roleRemoved(RECENT_OUTAGE_MINUTES * MIN),
  },
  {
    name: "daily-cap-recent",
    description: `The workspace hit its daily cap ${RECENT_OUTAGE_MINUTES} minutes ago: pushes are accepted (204), nothing is stored.`,
    breaks: ["ingestion.freshness", "ingestion.diagnosis"],
    apply: dailyCapReached(RECENT_OUTAGE_MINUTES * MIN),
  },
  {
    name: "throttled",
    description: "Keeper's pushes have been throttled (429) for 13 hours.",
    breaks: ["ingestion.freshness", "ingestion.diagnosis"],
    apply: (s, c) => {
      const from = silence(s, c.now);
      pushesAnswered(s, from, c.now, (i) => (i % 10 === 9 ? 503 : 429));
    },
  },
];

/** Tables every healthy workspace has (empty DCRLogErrors: the DCR's Log Errors go to the workspace). */
export function diagnosticTables(
  now: number,
): Record<string, { columns: Column[]; rows: Array<Record<string, unknown>> }> {
  return {
    DCRLogErrors: { columns: DCR_LOG_ERRORS_COLUMNS.map((c) => ({ ...c })), rows: [] },
    _LogOperation: {
      columns: LOG_OPERATION_COLUMNS.map((c) => ({ ...c })),
      rows: [
        {
          TimeGenerated: now - 3 * 86_400_000,
          Category: "Data",
          Operation: "Data collection Status",
          Level: "Info",
          Detail: "Data collection resumed.",
        },
      ],
    },
  };
}

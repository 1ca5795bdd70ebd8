import type { Notice } from "../../src/core/notifier.js";
import { noticeFor } from "../../src/alerts/noticeContent.js";
import type { AlertRecord, PolicySettings } from "../../src/alerts/alertRecord.js";
import { problem } from "../../src/core/finding.js";
import { digestNotice } from "../../src/alerts/digest.js";
import { handoffNotice } from "../../src/rotation/notices.js";

export const settings: PolicySettings = {
  openAfter: 2,
  resolveAfter: 2,
  renotifyHours: 4,
  portalUrl: "https://portal.azure.com",
  tenantId: "11111111-2222-3333-4444-555555555555",
};
export const DCR =
  "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";

const record = (over: Partial<AlertRecord>): AlertRecord => ({
  key: `role.assignment|${DCR}`,
  check: "role.assignment",
  resource: DCR,
  state: "open",
  problemStreak: 2,
  okStreak: 0,
  since: "2026-11-25T07:45:00.000Z",
  severity: "critical",
  ...over,
});

const roleFinding = problem(
  "role.assignment",
  "critical",
  "The Keeper app's service principal has no Monitoring Metrics Publisher role on the DCR: Keeper's pushes get 403.",
  {
    resource: DCR,
    evidence: {
      expected: "Monitoring Metrics Publisher (3913510d-42f4-4e42-8a64-420c390055eb) for principal 9f1c…",
      actual: "no assignment",
      changed: ["roleAssignment"],
      hint: "Ab~",
    },
    remediation:
      "az role assignment create --assignee-object-id <sp object id> --assignee-principal-type ServicePrincipal --role 'Monitoring Metrics Publisher' --scope " +
      DCR,
  },
);

const at = new Date("2026-11-25T08:00:00.000Z");
export const opened: Notice = noticeFor("opened", record({ finding: roleFinding }), settings, at, "opened");
export const resolvedFreshness: Notice = noticeFor(
  "resolved",
  record({
    key: `ingestion.freshness|${DCR}`,
    check: "ingestion.freshness",
    since: "2026-11-25T05:00:00.000Z",
  }),
  settings,
  at,
  "resolved",
);
export const expiring: Notice = noticeFor(
  "escalated",
  record({
    key: "secret.expiry|0b7c6a1e-8d3f-4c2a-9e5b-1f2d3c4b5a69",
    check: "secret.expiry",
    resource: "0b7c6a1e-8d3f-4c2a-9e5b-1f2d3c4b5a69",
    severity: "critical",
    since: "2026-11-20T08:00:00.000Z",
    finding: problem(
      "secret.expiry",
      "critical",
      "The Keeper app's newest client secret expires in 3 days (2026-11-28).",
      {
        resource: "0b7c6a1e-8d3f-4c2a-9e5b-1f2d3c4b5a69",
        evidence: { credentials: [{ keyId: "5d1b…", displayName: "keeper", endDateTime: "2026-11-28T00:00:00.000Z" }] },
        remediation: "Run the rotation now, or az ad app credential reset … --append, then update Keeper.",
      },
    ),
  }),
  settings,
  at,
  "escalated-critical",
);
export const digest: Notice = digestNotice(
  [record({ finding: roleFinding })],
  [{ source: "drift", startedAt: "2026-11-25T07:59:50.000Z", finishedAt: "2026-11-25T08:00:00.000Z", findings: [] }],
  at,
);

/** The role the Keeper app needs, removed from the DCR: the finding as the role check writes it. */
export const removedRole: Notice = noticeFor(
  "opened",
  record({
    finding: problem(
      "role.assignment",
      "critical",
      "The Keeper app holds no role on the DCR: Keeper's pushes get 403.",
      {
        resource: DCR,
        evidence: {
          expected: { role: "Monitoring Metrics Publisher", scope: DCR },
          actual: [],
          changed: ["roleAssignments"],
        },
        remediation:
          "az role assignment create --assignee-object-id 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b --assignee-principal-type ServicePrincipal --role 'Monitoring Metrics Publisher' --scope " +
          DCR +
          " (takes up to 30 minutes to apply).",
      },
    ),
  }),
  settings,
  at,
  "opened",
);

/** Keeper's events stopped, diagnosed: ranked causes (with their internal weights) and the silence's numbers. */
export const diagnosed: Notice = noticeFor(
  "opened",
  record({
    key: `ingestion.diagnosis|${DCR}`,
    check: "ingestion.diagnosis",
    finding: problem(
      "ingestion.diagnosis",
      "critical",
      "Most likely cause: the Keeper app lacks its role on the DCR (DCR calls answered 403).",
      {
        resource: DCR,
        evidence: {
          cause: "role-missing",
          causes: [
            {
              cause: "role-missing",
              score: 7,
              title: "The Keeper app lacks its role on the DCR",
              evidence: ["403 from the DCR"],
              fix: "az role assignment create …",
            },
            { cause: "keeper-stopped", score: 1, title: "Keeper stopped sending", evidence: [], fix: "…" },
          ],
          sources: ["sign-ins: could not be read (403)"],
          since: "2026-11-24T19:00:00.000Z",
          gapMinutes: 780,
          hourOfWeek: "Mon 10:00-11:00 Sydney time",
          usualMaxGapMinutes: 95,
          somethingNewField: { nestedKey: 3, secretText: "Ab~" },
        },
        remediation:
          "az role assignment create --assignee-object-id 9f1c --role 'Monitoring Metrics Publisher' --scope " + DCR,
      },
    ),
  }),
  settings,
  at,
  "opened",
);

/** The status page as STATUS_PAGE_URL defaults to it in Azure (WEBSITE_HOSTNAME). */
export const STATUS_PAGE = "https://kcm-func-abc.azurewebsites.net/api/health?format=html";

/** A rotation's hand-off: the new secret is in the vault, Keeper still has to be given it. */
export const handoff: Notice = handoffNotice(
  {
    stage: "cutover",
    since: "2026-11-25T07:40:00.000Z",
    rotationId: "r-20261125",
    oldKeyId: "0a1b2c3d-0000-4000-8000-000000000001",
    oldEnd: "2026-12-20T00:00:00.000Z",
    newKeyId: "5e6f7a8b-0000-4000-8000-000000000002",
    newEnd: "2027-05-24T07:40:00.000Z",
    newVersion: "0123456789abcdef0123456789abcdef",
  },
  {
    tenantId: settings.tenantId,
    appId: "12345678-1234-1234-1234-123456789abc",
    vaultUri: "https://kv-keeper-monitor.vault.azure.net/",
    secretName: "keeper-connector-client-secret",
    endpointUrl:
      "https://law-sentinel-abcd.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-KeeperSecurityEventNewLogs?api-version=2023-01-01",
    portalUrl: settings.portalUrl,
    statusPageUrl: STATUS_PAGE,
  },
  at,
);

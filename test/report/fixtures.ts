import type { Notice } from "../../src/core/notifier.js";
import { noticeFor } from "../../src/alerts/noticeContent.js";
import type { AlertRecord, PolicySettings } from "../../src/alerts/alertRecord.js";
import { problem } from "../../src/core/finding.js";
import { digestNotice } from "../../src/alerts/digest.js";

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

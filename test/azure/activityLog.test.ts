import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { activityFilter, toActivityEvent } from "../../src/azure/activityLog.js";
import { auditFilter, toAuditEvent } from "../../src/azure/directoryAudits.js";

const official = (
  JSON.parse(
    readFileSync(new URL("../fixtures/official/arm/GetActivityLogsFiltered.json", import.meta.url), "utf8"),
  ) as { body: { value: Array<Record<string, unknown>> } }
).body.value[0]!;

const DCR =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
const base = {
  caller: "alice@contoso.com",
  claims: { appid: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c" },
  operationName: { value: "Microsoft.Insights/dataCollectionRules/delete" },
  status: { value: "Succeeded" },
  resourceId: DCR,
  eventTimestamp: "2026-12-03T14:02:11.1234567Z",
};

describe("Activity Log events (toActivityEvent)", () => {
  it("maps the official example (GetActivityLogsFiltered.json): a succeeded write, its caller and client app", () => {
    expect(toActivityEvent(official)).toEqual({
      operation: "microsoft.support/supporttickets/write",
      action: "write",
      // the example names no resourceId
      resourceId: "",
      caller: "admin@contoso.com",
      // the example's app id is not a well-formed GUID: kept as it came, so it is shown as an app id
      appId: "c44b4083-3bq0-49c1-b47d-974e53cbdf3c",
      at: new Date("2015-01-21T22:14:26.979Z"),
    });
  });

  it("keeps only succeeded writes and deletes with a time", () => {
    expect(toActivityEvent(base)?.action).toBe("delete");
    expect(toActivityEvent({ ...base, eventTimestamp: new Date("2026-12-03T14:02:11Z") })?.at.toISOString()).toBe(
      "2026-12-03T14:02:11.000Z",
    );
    for (const status of ["Started", "Failed", "Accepted", ""])
      expect(toActivityEvent({ ...base, status: { value: status } }), status).toBeUndefined();
    for (const op of ["Microsoft.Insights/dataCollectionRules/read", "Microsoft.Insights/register/action", ""])
      expect(toActivityEvent({ ...base, operationName: { value: op } }), op).toBeUndefined();
    expect(toActivityEvent({ ...base, status: undefined })).toBeUndefined();
    expect(toActivityEvent({ ...base, eventTimestamp: "yesterday" })).toBeUndefined();
    expect(toActivityEvent({ ...base, eventTimestamp: 12 })).toBeUndefined();
    expect(
      toActivityEvent({ ...base, operationName: "Microsoft.Insights/dataCollectionRules/delete" }),
    ).toBeUndefined();
    expect(toActivityEvent(null)).toBeUndefined();
  });

  it("reads an event without caller or app id, and ignores an app id that is not text", () => {
    const e = toActivityEvent({ ...base, caller: null, claims: { appid: 42 } });
    expect(e).toBeDefined();
    expect(e && "caller" in e).toBe(false);
    expect(e && "appId" in e).toBe(false);
  });

  it("makes the caller and app id visible and bounded (they are whoever signed in)", () => {
    const e = toActivityEvent({
      ...base,
      caller: `eve\u202E@contoso.com\u001b[31m\n${"x".repeat(5000)}`,
      claims: { appid: `app\u0007${"y".repeat(500)}` },
    })!;
    // eslint-disable-next-line no-control-regex
    expect(e.caller).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(e.caller).toContain("\\u202E");
    expect(e.caller!.length).toBeLessThanOrEqual(256);
    expect(e.appId!.length).toBeLessThanOrEqual(64);
    expect(e.appId).toContain("\\u0007");
  });
});

describe("the documented $filter", () => {
  const from = new Date("2026-09-04T12:00:00Z");
  const to = new Date("2026-12-03T12:00:00Z");
  it("names the time range and one resource, or one resource group", () => {
    expect(activityFilter(from, to, { resourceUri: DCR })).toBe(
      `eventTimestamp ge '2026-09-04T12:00:00.000Z' and eventTimestamp le '2026-12-03T12:00:00.000Z' and resourceUri eq '${DCR}'`,
    );
    expect(activityFilter(from, to, { resourceGroup: "rg-sentinel" })).toBe(
      "eventTimestamp ge '2026-09-04T12:00:00.000Z' and eventTimestamp le '2026-12-03T12:00:00.000Z' and resourceGroupName eq 'rg-sentinel'",
    );
  });
});

describe("Entra audit records (toAuditEvent)", () => {
  const example = (
    JSON.parse(readFileSync(new URL("../fixtures/official/graph-directoryaudits.json", import.meta.url), "utf8")) as {
      body: { value: unknown[] };
    }
  ).body.value[0];
  const GROUP = "ef7e527d-6c92-4234-8c6d-cf6fdfb57f95";

  it("maps the official example (directoryaudit-list.md) for one of its targets, and nothing for another object", () => {
    expect(toAuditEvent(example, GROUP)).toEqual({
      operation: "Add member to group",
      action: "write",
      resourceId: GROUP,
      caller: "bob@wingtiptoysonline.example",
      at: new Date("2018-01-09T21:20:02.721Z"),
    });
    expect(toAuditEvent(example, "5b84c280-1685-4764-825b-14539d7908a1")).toBeUndefined();
  });

  it("keeps only successes, and names an app when no user did it", () => {
    const base = example as Record<string, unknown>;
    expect(toAuditEvent({ ...base, result: "failure" }, GROUP)).toBeUndefined();
    expect(toAuditEvent({ ...base, activityDateTime: "soon" }, GROUP)).toBeUndefined();
    expect(
      toAuditEvent({ ...base, initiatedBy: { user: null, app: { appId: "a", displayName: "Pipeline\u202E" } } }, GROUP)
        ?.caller,
    ).toBe("app Pipeline\\u202E");
  });

  it("asks for one object's records since a time, as the documented filter", () => {
    expect(auditFilter(GROUP, new Date("2026-09-04T12:00:00Z"))).toBe(
      `targetResources/any(t:t/id eq '${GROUP}') and activityDateTime ge 2026-09-04T12:00:00.000Z`,
    );
  });
});

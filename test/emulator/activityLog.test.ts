import { describe, expect, it } from "vitest";
import { ids } from "../../emulator/index.js";
import { templateGrants } from "../e2e/harness.js";
import { bearer, getJson, useHealthyEmulator } from "./helpers.js";

const PATH = `/subscriptions/${ids.SUBSCRIPTION_ID}/providers/Microsoft.Insights/eventtypes/management/values`;
const DAY = 86_400_000;
const q = (filter?: string) =>
  `${PATH}?api-version=2015-04-01${filter === undefined ? "" : `&$filter=${encodeURIComponent(filter)}`}`;
const since = (days: number) => `eventTimestamp ge '${new Date(Date.now() - days * DAY).toISOString()}'`;

describe("emulated Activity Log (eventtypes/management/values, API 2015-04-01)", () => {
  const emu = useHealthyEmulator();

  it("takes only the documented $filter patterns, and needs the start time", async () => {
    const token = await bearer(emu(), ids.AUDIENCE.arm);
    for (const bad of [
      undefined,
      "",
      `resourceUri eq '${ids.IDS.dcr}'`,
      `${since(1)} and caller eq 'alice@contoso.com'`,
      `${since(1)} or resourceGroupName eq 'rg'`,
      "eventTimestamp ge 'yesterday'",
    ]) {
      const r = await getJson(emu(), q(bad), token);
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.error.code).toBe("BadRequest");
    }
    const ok = await getJson(emu(), q(`${since(1)} and eventTimestamp le '${new Date().toISOString()}'`), token);
    expect(ok.status).toBe(200);
    expect(Array.isArray(ok.body.value)).toBe(true);
  });

  it("serves a resource's records newest first, paged by nextLink, and forgets what is older than 90 days", async () => {
    const token = await bearer(emu(), ids.AUDIENCE.arm);
    emu().applyScenario("dcr-recreated");
    const first = await getJson(emu(), q(`${since(90)} and resourceUri eq '${ids.IDS.dcr}'`), token);
    expect(first.status).toBe(200);
    const times = first.body.value.map((e: { eventTimestamp: string }) => Date.parse(e.eventTimestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(first.body.value[0]).toMatchObject({
      caller: "bob@contoso.com",
      operationName: { value: "Microsoft.Insights/dataCollectionRules/write" },
      status: { value: "Succeeded" },
      resourceId: ids.IDS.dcr,
      claims: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46" },
    });
    const next = new URL(first.body.nextLink as string);
    const second = await getJson(emu(), `${next.pathname}${next.search}`, token);
    expect(second.body.value.length).toBeGreaterThan(0);
    // the healthy history (a write 30 days ago, a failed delete 20 days ago) is outside 10 days
    const recent = await getJson(emu(), q(`${since(10)} and resourceUri eq '${ids.IDS.dcr}'`), token);
    expect(new Set(recent.body.value.map((e: { caller: string }) => e.caller))).toEqual(new Set(["bob@contoso.com"]));
    emu().state.activityLog[0]!.at = Date.now() - 91 * DAY;
    const kept = await getJson(emu(), q(`${since(200)} and resourceUri eq '${ids.IDS.dcr}'`), token);
    const oldest = Math.min(...kept.body.value.map((e: { eventTimestamp: string }) => Date.parse(e.eventTimestamp)));
    expect(oldest).toBeGreaterThan(Date.now() - 90 * DAY);
  });
});

describe("emulated Activity Log under the template's RBAC", () => {
  const grants = templateGrants();
  const activity = grants.filter((g) => g.actions.includes("Microsoft.Insights/eventtypes/values/read"));
  const emu = useHealthyEmulator({ monitorGrants: grants });
  const without = useHealthyEmulator({ monitorGrants: grants.filter((g) => !activity.includes(g)) });

  it("the template grants the one read action on the DCR's resource group", () => {
    expect(activity.map((g) => [g.scope, g.actions])).toEqual([
      [ids.IDS.resourceGroup, ["Microsoft.Insights/eventtypes/values/read"]],
    ]);
  });

  it("answers the monitor with it, and 403 AuthorizationFailed without it (Monitoring Reader on the DCR alone is not enough)", async () => {
    for (const filter of [
      `${since(90)} and resourceGroupName eq '${ids.RESOURCE_GROUP}'`,
      `${since(90)} and resourceUri eq '${ids.IDS.dcr}'`,
    ]) {
      expect((await getJson(emu(), q(filter), await bearer(emu(), ids.AUDIENCE.arm))).status, filter).toBe(200);
      const r = await getJson(without(), q(filter), await bearer(without(), ids.AUDIENCE.arm));
      expect(r.status, filter).toBe(403);
      expect(r.body.error.code).toBe("AuthorizationFailed");
      expect(r.body.error.message).toContain("Microsoft.Insights/eventtypes/values/read");
    }
    // the whole subscription's log is not granted
    const sub = await getJson(emu(), q(since(90)), await bearer(emu(), ids.AUDIENCE.arm));
    expect(sub.status).toBe(403);
  });
});

import { describe, expect, it } from "vitest";
import { namingConnector } from "../../src/alerts/alertManager.js";
import { targetRef, TARGET_KEY } from "../../src/app/target.js";
import { workspaceList } from "../../src/config/workspaces.js";
import type { Notice } from "../../src/core/notifier.js";
import { renderFleetIndex } from "../../src/report/statusPage.js";

const WS =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/";

describe("the fleet's index page", () => {
  it("lists the worst connector first, links each to its own page, and escapes Azure-side names", () => {
    const html = renderFleetIndex({
      now: "2026-12-03T10:00:00Z",
      httpStatus: 503,
      rows: [
        {
          key: "a-00000001",
          label: "prod · Keeper",
          status: "ok",
          healthy: true,
          open: 0,
          checkedAt: "2026-12-03T09:58:00Z",
        },
        {
          key: "b-00000002",
          label: '<img src=x onerror="alert(1)">\u202e',
          status: "problem",
          healthy: false,
          open: 2,
        },
        {
          key: "c-00000003",
          label: "gone",
          status: "unknown",
          healthy: false,
          note: "invalid settings: KEEPER_WORKSPACE_RESOURCE_ID",
        },
      ],
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("\u202e");
    expect(html).toContain("&lt;img");
    const order = ["b-00000002", "c-00000003", "a-00000001"].map((k) => html.indexOf(`?target=${k}&amp;format=html`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(html).toContain("Keeper connectors: PROBLEM");
    expect(html).toContain("1 PROBLEM, 1 UNKNOWN, 1 OK");
    expect(html).toContain('data-http-status="503"');
  });
});

describe("target keys", () => {
  it("are URL-safe, stable, and differ per connector and workspace", () => {
    const a = targetRef(`${WS}Sentinel_Prod.EU`, "KeeperSecurityPush-1");
    expect(a.key).toMatch(TARGET_KEY);
    expect(a.key.startsWith("sentinel-prod-eu-")).toBe(true);
    expect(targetRef(`${WS}Sentinel_Prod.EU`, "KeeperSecurityPush-1").key).toBe(a.key);
    expect(targetRef(`${WS}Sentinel_Prod.EU`, "KeeperSecurityPush-2").key).not.toBe(a.key);
    expect(targetRef(`${WS}other`, "KeeperSecurityPush-1").key).not.toBe(a.key);
    expect(targetRef(`${WS}${"x".repeat(63)}`).key.length).toBeLessThanOrEqual(63);
    expect(targetRef(`${WS}---`).key).toMatch(/^workspace-[0-9a-f]{8}$/);
  });
});

describe("KEEPER_WORKSPACE_RESOURCE_ID with several workspaces", () => {
  it("splits on commas, trims, and refuses a repeated workspace and every connector setting", () => {
    expect(workspaceList({ KEEPER_WORKSPACE_RESOURCE_ID: ` ${WS}a , ${WS}b/ ,` }).ids).toEqual([`${WS}a`, `${WS}b`]);
    expect(workspaceList({ KEEPER_WORKSPACE_RESOURCE_ID: `${WS}a,${WS}A` }).problems[0]?.message).toMatch(
      /listed twice/,
    );
    const p = workspaceList({
      KEEPER_WORKSPACE_RESOURCE_ID: `${WS}a,${WS}b`,
      KEEPER_APP_ID: "x",
      KEEPER_TABLE_NAME: "T_CL",
    });
    expect(p.problems.map((x) => x.setting)).toEqual(["KEEPER_APP_ID", "KEEPER_TABLE_NAME"]);
    // one workspace: its connector settings are today's
    expect(workspaceList({ KEEPER_WORKSPACE_RESOURCE_ID: `${WS}a`, KEEPER_APP_ID: "x" }).problems).toEqual([]);
  });
});

describe("an alert names its connector", () => {
  const notice: Notice = {
    key: "k",
    kind: "opened",
    severity: "critical",
    title: "CRITICAL: DCR missing on dcr-x",
    summary: "s",
    facts: [{ name: "Open since", value: "now" }],
    links: [],
    at: "2026-12-03T10:00:00Z",
  };
  it("in its title and first fact, once, and not at all with one connector", () => {
    const named = namingConnector(notice, "prod · Keeper");
    expect(named.title).toBe("prod · Keeper: CRITICAL: DCR missing on dcr-x");
    expect(named.facts[0]).toEqual({ name: "Connector", value: "prod · Keeper" });
    expect(namingConnector(named, "prod · Keeper")).toEqual(named);
    expect(namingConnector(notice, undefined)).toBe(notice);
  });
});

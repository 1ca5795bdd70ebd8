import * as func from "@azure/functions";
import { describe, expect, it } from "vitest";
import { IDS } from "../../emulator/constants.js";
import { createFleet, FLEET_REFRESH_MS } from "../../src/app/fleet.js";
import { TARGET_KEY, targetRef, targetTables } from "../../src/app/target.js";
import { triggersFor } from "../../src/functions/triggers.js";
import type { Report } from "../../src/report/report.js";
import { MISSING_WS, fleetWorld } from "./fleetHarness.js";
import { cliRun as cli, leaks, sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();

const { workspacesOnly, keeperRecord, addSecondConnector, storeSecretsOf } = fleetWorld(emulator, false);

const ctx = (lines: string[]) =>
  new func.InvocationContext({
    invocationId: "fleet",
    functionName: "fleet",
    logHandler: (_level, ...a) => lines.push(a.map(String).join(" ")),
  });

const get = (url: string) => new func.HttpRequest({ method: "GET", url: `https://app/api/${url}` });

describe("one deployment, several connectors", () => {
  it("one workspace and one connector is today's single target: no key in the report, no envelope", async () => {
    const fleet = createFleet({ env: workspacesOnly(IDS.workspace) });
    const targets = await fleet.load();
    expect(targets).toHaveLength(1);
    expect(fleet.several()).toBe(false);
    const out = await cli(workspacesOnly(IDS.workspace), ["check", "--json"]);
    const report = JSON.parse(out.stdout) as Report;
    expect(report.version).toBe(1);
    expect(report.target.key).toBeUndefined();
    expect(out.code).toBe(0);
  });

  it("a workspace with two Keeper connectors: a target each, with its own key, tables, secret name and label", async () => {
    addSecondConnector();
    const fleet = createFleet({ env: workspacesOnly(IDS.workspace) });
    const before = emulator().calls.length;
    const targets = await fleet.load();
    expect(fleet.several()).toBe(true);
    // the subscription's DCRs are listed once for both connectors
    const lists = emulator()
      .calls.slice(before)
      .filter((c) => c.method === "GET" && /\/providers\/Microsoft\.Insights\/dataCollectionRules$/i.test(c.path));
    expect(lists).toHaveLength(1);
    expect(targets.map((t) => t.connectorName)).toEqual([keeperRecord().name, "KeeperSecurityPushSecond"]);
    const keys = targets.map((t) => t.key);
    expect(new Set(keys).size).toBe(2);
    for (const k of keys) expect(k).toMatch(TARGET_KEY);
    storeSecretsOf(targets);
    const monitors = targets.map((t) => t.app.getMonitor());
    expect(new Set(monitors.map((m) => m.config.keyVault?.secretName)).size).toBe(monitors.length);
    expect(monitors.map((m) => m.config.target?.key)).toEqual(keys);
    expect(monitors.map((m) => m.config.alerts.statusPageUrl ?? "")).toSatisfy((urls: string[]) =>
      urls.every((u, i) => u === "" || new URL(u).searchParams.get("target") === keys[i]),
    );
    expect(new Set(keys.map((k) => targetTables(k).alerts)).size).toBe(2);
    const reports = await Promise.all(monitors.map((m) => m.runAll()));
    expect(reports.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(reports.map((r) => r.target.key)).toEqual(keys);
  });

  it("connectors are looked up again after an hour: one added is watched, one removed dropped, the rest kept as they were", async () => {
    addSecondConnector();
    let t = Date.now();
    const fleet = createFleet({ env: workspacesOnly(IDS.workspace), now: () => new Date(t) });
    const first = await fleet.load();
    expect(first).toHaveLength(2);
    addSecondConnector("KeeperSecurityPushThird");
    t += FLEET_REFRESH_MS - 60_000;
    expect(await fleet.load()).toBe(first);
    t += 60_000;
    const second = await fleet.load();
    expect(second.map((x) => x.connectorName)).toEqual([
      ...first.map((x) => x.connectorName),
      "KeeperSecurityPushThird",
    ]);
    expect(second.slice(0, 2)).toEqual(first);
    expect(second[0]).toBe(first[0]);
    const records = emulator().state.dataConnectors;
    records.splice(
      records.findIndex((c) => c.name === "KeeperSecurityPushSecond"),
      1,
    );
    t += FLEET_REFRESH_MS;
    const third = await fleet.load();
    expect(third.map((x) => x.connectorName)).toEqual([first[0]!.connectorName, "KeeperSecurityPushThird"]);
    expect(third[1]).toBe(second[2]);
    expect(fleet.target(first[1]!.key)).toBeUndefined();
  });

  it("check --json prints { version, status, reports } with one Report per connector", async () => {
    addSecondConnector();
    storeSecretsOf(await createFleet({ env: workspacesOnly(IDS.workspace) }).load());
    const out = await cli(workspacesOnly(IDS.workspace), ["check", "--json"]);
    const body = JSON.parse(out.stdout) as { version: number; status: string; reports: Report[] };
    expect(body.version).toBe(1);
    expect(body.status).toBe("ok");
    expect(body.reports.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(body.reports.every((r) => r.version === 1 && typeof r.target.key === "string")).toBe(true);
    expect(out.code).toBe(0);
    expect(leaks(emulator(), out.stdout + out.stderr)).toEqual([]);
  });

  it("a workspace that cannot be looked up is its own target that says why: exit 2, the other still checked", async () => {
    const env = workspacesOnly(`${IDS.workspace}, ${MISSING_WS}`);
    const fleet = createFleet({ env });
    const targets = await fleet.load();
    expect(targets.map((t) => t.workspaceId)).toEqual([IDS.workspace, MISSING_WS]);
    expect(targets[1]!.key).toBe(targetRef(MISSING_WS).key);
    expect(() => targets[1]!.app.getMonitor()).toThrow(/KEEPER_WORKSPACE_RESOURCE_ID/);
    storeSecretsOf(targets.slice(0, 1));
    const out = await cli(env, ["check", "--json"]);
    const body = JSON.parse(out.stdout) as {
      status: string;
      reports: Report[];
      errors: Array<{ target: string; settings: string[] }>;
    };
    expect(body.reports).toHaveLength(1);
    expect(body.reports[0]!.status).toBe("ok");
    expect(body.errors).toEqual([
      {
        target: targets[1]!.key,
        label: "ws-gone",
        error: "invalid settings",
        settings: ["KEEPER_WORKSPACE_RESOURCE_ID"],
      },
    ]);
    expect(body.status).toBe("unknown");
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("ws-gone");
  });

  it("with several workspaces, a connector setting is refused by name (it would name one connector)", async () => {
    const env = workspacesOnly(`${IDS.workspace},${MISSING_WS}`, {
      KEEPER_APP_ID: emulator().settings["KEEPER_APP_ID"]!,
    });
    const out = await cli(env, ["check"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /KEEPER_APP_ID: names one connector, but KEEPER_WORKSPACE_RESOURCE_ID lists 2 workspaces/,
    );
    const twice = await cli(workspacesOnly(`${IDS.workspace},${IDS.workspace.toUpperCase()}`), ["check"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/listed twice/);
  });

  it("without a Queue service, timers run every target themselves, log lines name it; health lists them and answers each by ?target=", async () => {
    addSecondConnector();
    const env = workspacesOnly(IDS.workspace);
    const fleet = createFleet({ env, tables: {} });
    const triggers = triggersFor(fleet, env);
    const timer = (name: string) => {
      const t = triggers.find((x) => x.name === name);
      if (t?.kind !== "timer") throw new Error(name);
      return t.handler;
    };
    const health = triggers.find((x) => x.name === "health");
    if (health?.kind !== "http") throw new Error("health");
    const targets = await fleet.load();
    storeSecretsOf(targets);
    // fresh tables per run of this test: the keys are stable, so earlier runs' rows would count
    for (const t of targets) await t.app.getAlerting().store.ensureTable();

    const lines: string[] = [];
    await timer("driftCheck")({ isPastDue: false } as func.Timer, ctx(lines));
    await timer("ingestionWatch")({ isPastDue: false } as func.Timer, ctx(lines));
    for (const t of targets)
      expect(lines.some((l) => l.includes("driftCheck done") && l.includes(`target=${t.key}`))).toBe(true);

    const index = (await health.handler(get("health"), ctx(lines))) as func.HttpResponseInit;
    const body = index.jsonBody as {
      version: number;
      status: string;
      targets: Array<{ target: string; status: string }>;
    };
    expect(body.version).toBe(1);
    expect(body.targets.map((t) => t.target).sort()).toEqual(targets.map((t) => t.key).sort());
    expect(body.targets.map((t) => t.status)).toEqual(["ok", "ok"]);
    expect(index.status).toBe(200);

    const one = (await health.handler(get(`health?target=${targets[1]!.key}`), ctx(lines))) as func.HttpResponseInit;
    expect(one.status).toBe(200);
    expect((one.jsonBody as { checks: unknown[] }).checks.length).toBeGreaterThan(5);

    const page = (await health.handler(get("health?format=html"), ctx(lines))) as func.HttpResponseInit;
    expect(String(page.body)).toContain(`?target=${targets[0]!.key}&amp;format=html`);
    expect((page.headers as Record<string, string>)["content-security-policy"]).toContain("default-src 'none'");

    expect((await health.handler(get("health?target=nope-00000000"), ctx(lines))).status).toBe(404);
    expect((await health.handler(get("health?target=%3Cscript%3E"), ctx(lines))).status).toBe(400);
    expect((await health.handler(get("health?refresh=true"), ctx(lines))).status).toBe(400);
    expect((await health.handler(get("health?verbose=1"), ctx(lines))).status).toBe(400);
    expect(leaks(emulator(), lines.join("\n") + JSON.stringify(body))).toEqual([]);
  });

  it("an alert names its connector, in its title and first fact, and lands in that connector's outbox", async () => {
    addSecondConnector();
    const env = workspacesOnly(IDS.workspace, {
      ALERT_OPEN_AFTER: "1",
      ALERT_TEAMS_WEBHOOK_URL: emulator().teamsWebhookUrl,
    });
    const fleet = createFleet({ env });
    const triggers = triggersFor(fleet, env);
    const drift = triggers.find((x) => x.name === "driftCheck");
    if (drift?.kind !== "timer") throw new Error("driftCheck");
    const targets = await fleet.load();
    storeSecretsOf(targets);
    emulator().applyScenario("dcr-deleted");
    const lines: string[] = [];
    await drift.handler({ isPastDue: false } as func.Timer, ctx(lines));
    for (const t of targets) {
      const rows = await t.app.getAlerting().store.outbox.list();
      const opened = rows.filter(
        (r) => r.notice.kind === "opened" && r.notice.at >= new Date(Date.now() - 60_000).toISOString(),
      );
      expect(opened.length).toBeGreaterThan(0);
      for (const r of opened) {
        expect(r.notice.title.startsWith(`${t.label}: `)).toBe(true);
        expect(r.notice.facts[0]).toEqual({ name: "Connector", value: t.label });
      }
    }
  });
});

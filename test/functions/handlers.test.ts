import { describe, expect, it } from "vitest";
import func from "@azure/functions";
import { driftCheckHandler } from "../../src/functions/driftCheck.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { ok, problem } from "../../src/core/finding.js";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import type { Monitor } from "../../src/app/monitor.js";
import { VALID_ENV } from "../config/env.js";

const target = { tenantId: "t", appId: "a", dcr: "/d", workspace: "/w" };

function fakeMonitor(reports: Report[]): Monitor & { runs: number } {
  const m = {
    runs: 0,
    config: loadConfig(VALID_ENV),
    runDriftChecks: () => {
      const r = reports[Math.min(m.runs, reports.length - 1)]!;
      m.runs++;
      return Promise.resolve(r);
    },
    runIngestionWatch: () => Promise.reject(new Error("not used by these handlers")),
    runAll: () => Promise.reject(new Error("not used by these handlers")),
    rotation: undefined as unknown as Monitor["rotation"],
    credential: { getToken: () => Promise.reject(new Error("not used by these handlers")) },
  };
  return m;
}

function context() {
  const lines: string[] = [];
  const ctx = new func.InvocationContext({
    invocationId: "test",
    functionName: "t",
    logHandler: (_level, ...args) => lines.push(args.join(" ")),
  });
  return { ctx, lines };
}

const at = (iso: string) => new Date(iso);
const okReport = buildReport(target, at("2026-11-25T12:00:00Z"), at("2026-11-25T12:00:01Z"), [
  ok("app.exists", "fine"),
]);
const badReport = buildReport(target, at("2026-11-25T12:00:00Z"), at("2026-11-25T12:00:01Z"), [
  problem("role.assignment", "critical", "No role.", {
    evidence: { expected: "x" },
    remediation: "az role assignment create",
  }),
]);

// The health endpoint has its own file: test/functions/health.test.ts (it answers from stored state).

describe("driftCheck timer", () => {
  const timer = (isPastDue = false) => ({
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: "", next: "", lastUpdated: "" },
  });

  it("logs a summary and one line per problem", async () => {
    const { ctx, lines } = context();
    await driftCheckHandler({ getMonitor: () => fakeMonitor([badReport]) })(timer(), ctx);
    expect(lines.some((l) => l.startsWith("driftCheck done status=problem ok=0 problem=1 unknown=0"))).toBe(true);
    expect(lines.some((l) => l.includes("check=role.assignment") && l.includes("severity=critical"))).toBe(true);
  });

  it("notes a late tick and still runs", async () => {
    const { ctx, lines } = context();
    const m = fakeMonitor([okReport]);
    await driftCheckHandler({ getMonitor: () => m })(timer(true), ctx);
    expect(m.runs).toBe(1);
    expect(lines.some((l) => l.includes("late"))).toBe(true);
  });

  it("fails the invocation on bad settings, naming each one", async () => {
    const { ctx, lines } = context();
    await expect(
      driftCheckHandler({ getMonitor: () => loadConfig({ ...VALID_ENV, KEEPER_APP_ID: "x" }) as never })(timer(), ctx),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(lines.some((l) => l.includes("setting=KEEPER_APP_ID"))).toBe(true);
  });
});

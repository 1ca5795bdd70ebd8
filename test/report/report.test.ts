import { describe, expect, it } from "vitest";
import { buildReport, exitCodeFor } from "../../src/report/report.js";
import { renderText } from "../../src/report/text.js";
import { ok, problem, unknown } from "../../src/core/finding.js";

const target = { tenantId: "t", appId: "a", dcr: "/x/KeeperSecurityEventLogs_DCR", workspace: "/w" };
const t0 = new Date("2026-11-25T12:00:00Z");

describe("report", () => {
  it.each([
    [[ok("a.x", "fine")], "ok", 0],
    [[ok("a.x", "fine"), unknown("b.x", "cannot tell")], "unknown", 2],
    [[unknown("b.x", "cannot tell"), problem("c.x", "warning", "bad")], "problem", 1],
  ] as const)("status and exit code %#", (findings, status, code) => {
    const r = buildReport(target, t0, t0, findings);
    expect(r.status).toBe(status);
    expect(exitCodeFor(r)).toBe(code);
  });

  it("sorts findings by check id and lifts the endpoint URL into the target", () => {
    const r = buildReport(target, t0, t0, [
      ok("dce.exists", "x"),
      ok("app.exists", "y"),
      ok("dce.endpoint", "z", {
        evidence: { endpointUrl: "https://e/dataCollectionRules/d/streams/s?api-version=2023-01-01" },
      }),
    ]);
    expect(r.findings.map((f) => f.check)).toEqual(["app.exists", "dce.endpoint", "dce.exists"]);
    expect(r.target.endpointUrl).toContain("https://e/dataCollectionRules/d");
    expect(r.version).toBe(1);
  });

  it("leaves a finding's cause out of the Report, keeping every public field", () => {
    const f = problem("role.assignment", "critical", "No role.", {
      resource: "/x",
      evidence: { changed: ["roleAssignments"] },
      remediation: "az role assignment create ...",
      cause: { kind: "role-missing", scope: "/x", principalId: "p", held: [] },
    });
    const r = buildReport(target, t0, t0, [f]);
    expect(r.findings).toEqual([
      {
        check: "role.assignment",
        status: "problem",
        severity: "critical",
        summary: "No role.",
        resource: "/x",
        evidence: { changed: ["roleAssignments"] },
        remediation: "az role assignment create ...",
      },
    ]);
    expect(JSON.stringify(r)).not.toContain("role-missing");
    expect(f.cause?.kind).toBe("role-missing");
  });

  it("renders the problem with its check and its fix, then the ok count", () => {
    const text = renderText(
      buildReport(target, t0, t0, [
        ok("app.exists", "The app exists."),
        problem("role.assignment", "critical", "No role.", { remediation: "az role assignment create ..." }),
      ]),
    );
    expect(text).toMatch(/^Keeper connector: PROBLEM/);
    expect(text).toMatch(
      /^ {2}PROBLEM +No role\.\n {2}critical\n +role\.assignment\n +fix +az role assignment create \.\.\.$/m,
    );
    expect(text).toMatch(/^1 check ok$/m);
  });
});

import { describe, expect, it } from "vitest";
import { ok, problem, unknown, type Finding } from "../../src/core/finding.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { displayWidth, renderText, wrap } from "../../src/report/text.js";
import { formatDuration } from "../../src/core/duration.js";
import { evidenceFacts } from "../../src/report/evidence.js";
import type { Incident } from "../../src/report/incident.js";
import { DCR } from "./fixtures.js";

const t0 = new Date("2026-11-25T08:00:00.000Z");
const target = {
  tenantId: "11111111-2222-3333-4444-555555555555",
  appId: "0b7c6a1e-8d3f-4c2a-9e5b-1f2d3c4b5a69",
  dcr: DCR,
  workspace: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws",
};
const ENDPOINT =
  "https://keeper-dce-x1y2.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-KeeperSecurity_CL?api-version=2023-01-01";
const ESC = "\u001b";
const LONG_AZURE =
  "The DCR's transform is " +
  'source | extend TimeGenerated = todatetime(Timestamp) | where Username != "admin@example.com" | project-away RawData '.repeat(
    3,
  ) +
  "and its stream declares a column named " +
  "x".repeat(180) +
  " with no spaces at all.";

function findings(): Finding[] {
  return [
    ok("app.exists", "The Keeper app registration exists."),
    ok("workspace.exists", "The Sentinel workspace exists."),
    ok("dce.endpoint", "The DCE's logs-ingestion URI is the one Keeper uses.", {
      resource: DCR,
      evidence: { endpointUrl: ENDPOINT },
    }),
    problem("dcr.dataFlow", "critical", LONG_AZURE, { resource: DCR, remediation: `az monitor ... --ids ${DCR}` }),
    problem("role.assignment", "critical", "No Monitoring Metrics Publisher role on the DCR.", {
      resource: DCR,
      remediation:
        "az role assignment create --assignee-object-id <sp object id> --assignee-principal-type ServicePrincipal --role 'Monitoring Metrics Publisher' --scope " +
        DCR,
    }),
    unknown("secret.vault", "Key Vault said 403 Forbidden: the monitor lacks secrets/get on the vault.", {
      remediation: "az role assignment create --role 'Key Vault Secrets User' ...",
    }),
    problem("ingestion.freshness", "critical", "No Keeper event for 13 h.", { resource: DCR }),
  ];
}

/** A Report whose incidents are the given ones (grouping is incident.ts's work; this renders it). */
function reportWith(incidents: Incident[], fs: Finding[] = findings()): Report {
  return { ...buildReport(target, t0, t0, fs), incidents };
}

const lineWidths = (out: string) => out.split("\n").map(displayWidth);

describe("renderText", () => {
  it.each([60, 100, 140])("keeps every line within %i columns, long Azure text and URLs included", (width) => {
    const report = buildReport(target, t0, t0, findings());
    for (const all of [false, true]) {
      const out = renderText(report, { width, all });
      expect(Math.max(...lineWidths(out)), out).toBeLessThanOrEqual(width);
      // nothing is lost by wrapping: the long token is all there, cut into pieces
      expect(out.replace(/\s+/g, "")).toContain("x".repeat(180));
      expect(out.replace(/\s+/g, "")).toContain(ENDPOINT);
    }
  });

  it("indents continuation lines under their column", () => {
    const out = renderText(buildReport(target, t0, t0, findings()), { width: 60 });
    const lines = out.split("\n");
    const first = lines.findIndex((l) => l.includes("The DCR's transform is"));
    const column = lines[first]!.indexOf("The DCR's");
    expect(column).toBeGreaterThan(0);
    // the severity sits under the status; the title's own continuation under the title
    expect(lines[first + 1]!.slice(0, column).trim()).toBe("critical");
    expect(lines[first + 2]!.slice(0, column).trim()).toBe("");
    expect(lines[first + 2]!.length).toBeGreaterThan(column);
    const fix = lines.find((l) => l.includes("az role assignment create"))!;
    const fixColumn = fix.indexOf("az role");
    const next = lines[lines.indexOf(fix) + 1]!;
    expect(next.slice(0, fixColumn).trim()).toBe("");
  });

  it("puts problems first, then unknowns, then one line counting the ok checks", () => {
    const out = renderText(buildReport(target, t0, t0, findings()));
    const at = (s: string) => {
      const i = out.indexOf(s);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(out).toMatch(/^Keeper connector: PROBLEM/);
    expect(at("No Monitoring Metrics Publisher")).toBeLessThan(at("Key Vault said 403"));
    expect(at("No Keeper event for 13 h")).toBeLessThan(at("Key Vault said 403"));
    expect(at("Key Vault said 403")).toBeLessThan(at("3 checks ok"));
    expect(out).toMatch(/^3 checks ok$/m);
    // the ok checks are counted, not listed
    expect(out).not.toContain("The Sentinel workspace exists.");
    expect(out).toContain(`Endpoint URL Keeper must hold`);
  });

  it("lists the ok checks with all", () => {
    const out = renderText(buildReport(target, t0, t0, findings()), { all: true });
    expect(out).toMatch(/^ {2}ok\s+workspace\.exists\s+The Sentinel workspace exists\.$/m);
    expect(out.indexOf("3 checks ok")).toBeLessThan(out.indexOf("workspace.exists"));
  });

  it("renders an incident as its title, its checks under it and its one fix", () => {
    const fs = findings();
    const out = renderText(
      reportWith(
        [
          {
            id: "role.assignment:/x",
            status: "problem",
            severity: "critical",
            title: "Keeper's pushes are refused since 13 h: the role on the DCR was removed",
            checks: ["role.assignment", "ingestion.freshness"],
            fix: "az role assignment create --role 'Monitoring Metrics Publisher' ...",
          },
          {
            id: "signin",
            status: "unknown",
            severity: "warning",
            title: "not signed in",
            checks: ["dcr.exists", "dce.exists", "table.exists", "secret.vault"],
            fix: "run `az login`",
          },
        ],
        fs,
      ),
      { width: 100 },
    );
    const lines = out.split("\n");
    const title = lines.findIndex((l) => l.includes("Keeper's pushes are refused since 13 h"));
    expect(lines[title]).toMatch(/^ {2}PROBLEM +Keeper's pushes/);
    expect(lines[title + 1]).toBe("  critical");
    const checkColumn = lines[title]!.indexOf("Keeper's");
    expect(lines[title + 2]).toMatch(/^ +role\.assignment +No Monitoring Metrics Publisher role on the DCR\.$/);
    expect(lines[title + 2]!.indexOf("role.assignment")).toBe(checkColumn);
    expect(lines[title + 3]).toMatch(/^ +ingestion\.freshness +No Keeper event for 13 h\.$/);
    expect(lines[title + 4]).toMatch(/^ +fix +az role assignment create --role/);
    expect(out.match(/az role assignment create/g)).toHaveLength(1);
    // the shared unknown cause is one line with its fix, its checks under it
    const signin = lines.findIndex((l) => l.includes("not signed in"));
    expect(lines[signin]).toMatch(/^ {2}unknown +not signed in: run `az login`$/);
    expect(lines[signin + 1]).toMatch(/^ +dcr\.exists, dce\.exists, table\.exists, secret\.vault$/);
    expect(out.match(/not signed in/g)).toHaveLength(1);
    expect(title).toBeLessThan(signin);
  });

  it("puts problem incidents before unknown ones whatever their order", () => {
    const unknownFirst: Incident[] = [
      { id: "u", status: "unknown", severity: "warning", title: "UNKNOWN-ONE", checks: ["secret.vault"] },
      { id: "p", status: "problem", severity: "critical", title: "PROBLEM-ONE", checks: ["role.assignment"] },
    ];
    const out = renderText(reportWith(unknownFirst));
    expect(out.indexOf("PROBLEM-ONE")).toBeLessThan(out.indexOf("UNKNOWN-ONE"));
  });

  it("has no ESC sequence without colour, and shows the statuses in colour with it", () => {
    const report = buildReport(target, t0, t0, findings());
    expect(renderText(report)).not.toContain(ESC);
    expect(renderText(report, { color: false, all: true })).not.toContain(ESC);
    const coloured = renderText(report, { color: true, all: true });
    expect(coloured).toContain("\u001b[31mPROBLEM\u001b[39m");
    expect(coloured).toContain("\u001b[33munknown\u001b[39m");
    expect(coloured).toContain("\u001b[32mok\u001b[39m");
    expect(coloured).toContain("\u001b[2m");
    // colour adds no width
    const plain = coloured.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
    expect(plain).toBe(renderText(report, { all: true }));
  });

  it("keeps Azure-side ESC sequences and line breaks out, coloured or not", () => {
    const report = buildReport(target, t0, t0, [
      problem("dcr.stream", "critical", "evil\u001b[2J\u001b]8;;https://x\u0007link\nFORGED-ROW", {
        remediation: "fix\u001b[31m\u202e",
      }),
    ]);
    for (const color of [false, true]) {
      const out = renderText(report, { color });
      expect(out.replace(new RegExp(`${ESC}\\[(?:31|33|32|39|2|22|1)m`, "g"), "")).not.toContain(ESC);
      expect(out.split("\n").some((l) => l.startsWith("FORGED-ROW"))).toBe(false);
      expect(out).toContain("\\u202E");
    }
  });
});

describe("wrap", () => {
  it("breaks at spaces, and a long word after a slash near the cut", () => {
    expect(wrap("aa bb cc", 5)).toEqual(["aa bb", "cc"]);
    const pieces = wrap(DCR, 40);
    expect(pieces.join("")).toBe(DCR);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(40);
    for (const p of pieces.slice(0, -1)) expect(p).toMatch(/[/-]$/);
  });

  it("counts wide characters as two columns", () => {
    for (const l of wrap("監視 ".repeat(30), 21)) expect(displayWidth(l)).toBeLessThanOrEqual(21);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 min"],
    [45, "45 min"],
    [60, "1 h"],
    [90, "1 h 30 min"],
    [782, "13 h"],
    [24 * 60, "1 day"],
    [52 * 60 + 10, "2 days 4 h"],
    [12 * 24 * 60 + 300, "12 days"],
  ])("%i minutes is %s", (minutes, words) => {
    expect(formatDuration(minutes)).toBe(words);
  });

  it("the evidence rows of email and Teams say a duration in the same words", () => {
    const facts = evidenceFacts({ gapMinutes: 52 * 60 + 10, thresholdMinutes: 782, usualGapMinutes: 45 });
    expect(facts.map((f) => f.value)).toEqual(expect.arrayContaining(["2 days 4 h", "13 h", "45 min"]));
  });
});

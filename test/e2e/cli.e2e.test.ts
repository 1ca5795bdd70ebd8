import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { leaks, startTrustedEmulator } from "./harness.js";

const CLI = "dist/src/cli.js";
let emu: Emulator;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env["PATH"] ?? "", NODE_EXTRA_CA_CERTS: process.env["NODE_EXTRA_CA_CERTS"] ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("keeper-monitor check (separate process, real SDKs, emulator)", () => {
  const all: string[] = [];
  afterAll(() => {
    // The scan covers every byte any CLI run in this file printed.
    expect(leaks(emu, all.join("\n"))).toEqual([]);
  });

  it.each(["healthy", "no-signin-logs"])(
    "exits 0 and prints a readable table for a %s deployment",
    async (scenario) => {
      emu.applyScenario(scenario);
      const r = await runCli(["check"], emu.settings);
      all.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Keeper connector: OK/);
      expect(r.stdout).toMatch(/^\d+ checks ok$/m);
      expect(r.stdout).not.toMatch(/PROBLEM|unknown/);
      expect(r.stdout).toContain("Endpoint URL Keeper must hold");
      // piped: no colour, and every line within the default 100 columns
      expect(r.stdout).not.toContain("\u001b");
      for (const line of r.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
    },
  );

  it("exits 1 with the broken check and its fix, as JSON", async () => {
    emu.applyScenario("role-removed");
    const r = await runCli(["check", "--json"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      version: number;
      status: string;
      findings: Array<{ check: string; status: string; remediation?: string }>;
    };
    expect(report.version).toBe(1);
    expect(report.status).toBe("problem");
    const f = report.findings.find((x) => x.check === "role.assignment")!;
    expect(f.status).toBe("problem");
    expect(f.remediation).toMatch(/az role assignment create/);
  });

  it("exits 1 when the DCR's transform was tampered with, naming the filter and both transforms", async () => {
    emu.applyScenario("tampered-transform");
    const r = await runCli(["check", "--json"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as {
      findings: Array<{ check: string; status: string; severity: string; summary: string; evidence?: any }>;
    };
    const f = report.findings.find((x) => x.check === "dcr.dataFlow")!;
    expect(`${f.status}:${f.severity}`).toBe("problem:critical");
    expect(f.summary).toContain('where Username != "admin@example.com"');
    expect(f.evidence.actual.transformKql).toMatch(/\| where Username != "admin@example.com"$/);
    expect(f.evidence.expected.transformKql).not.toMatch(/where/);
  });

  it("exits 2 naming every bad setting and calls nothing", async () => {
    emu.resetCalls();
    const r = await runCli(["check"], {
      ...emu.settings,
      KEEPER_APP_ID: "not-a-guid",
      KEEPER_DCR_RESOURCE_ID: "",
      AZURE_CLOUD: "Mars",
    });
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KEEPER_APP_ID: not a GUID/);
    expect(r.stderr).toMatch(/KEEPER_DCR_RESOURCE_ID: missing/);
    expect(r.stderr).toMatch(/AZURE_CLOUD: unknown cloud "Mars"/);
    expect(emu.calls).toEqual([]);
  });

  it("exits 2 when a check cannot tell (403 on the DCR)", async () => {
    emu.applyScenario("monitor-forbidden");
    const r = await runCli(["check"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ {2}unknown +\S/m);
    expect(r.stdout).toMatch(/\bdcr\.exists\b/);
  });

  it("exits 2 on an unknown command", async () => {
    const r = await runCli(["chek"], emu.settings);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "chek"');
    expect(r.stderr).toContain("Usage: keeper-monitor <command>");
  });

  it("exits 2 with the usage when given no command", async () => {
    const r = await runCli([], emu.settings);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Usage: keeper-monitor <command>/);
    expect(r.stderr).toMatch(/^ {2}check +/m);
    expect(r.stderr).toMatch(/^ {2}endpoint-url +/m);
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const r = await runCli(["--version"], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`keeper-monitor ${version}\n`);
  });

  it.each([[["help", "check"]], [["check", "--help"]]])("%j prints the check command's usage", async (args) => {
    const r = await runCli(args, {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: keeper-monitor check \[--json\] \[--only CHECK…\] \[--all\]/);
    expect(r.stdout).toContain("--only");
    for (const line of r.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("endpoint-url prints the Endpoint URL alone, one line, from live values", async () => {
    emu.applyScenario("healthy");
    const r = await runCli(["endpoint-url"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const origin = new URL(emu.settings["KEEPER_DCE_URI"]!).origin;
    expect(r.stdout).toBe(
      `${origin}/dataCollectionRules/${emu.settings["KEEPER_DCR_IMMUTABLE_ID"]}/streams/${emu.settings["KEEPER_STREAM_NAME"] ?? "Custom-KeeperSecurityEventNewLogs"}?api-version=2023-01-01\n`,
    );
  });

  it("endpoint-url exits 2 with the reason on stderr when it cannot be assembled", async () => {
    emu.applyScenario("monitor-forbidden");
    const r = await runCli(["endpoint-url"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/could not be assembled/);
    expect(r.stderr).toMatch(/dc[re]\.\w+: /);
  });

  it("check --only narrows the report to those checks", async () => {
    emu.applyScenario("role-removed");
    const r = await runCli(["check", "--only", "dcr.exists", "--json"], emu.settings);
    all.push(r.stdout, r.stderr);
    // the role is broken, but only dcr.exists was asked for
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { status: string; findings: Array<{ check: string }> };
    expect(report.status).toBe("ok");
    expect(report.findings.map((f) => f.check)).toEqual(["dcr.exists"]);
    const text = await runCli(["check", "--only", "dcr.exists,role.assignment"], emu.settings);
    all.push(text.stdout, text.stderr);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ {2}PROBLEM +/m);
    expect(text.stdout).toMatch(/^1 check ok$/m);
  });

  it("check --only with an unknown check exits 2 listing the catalog, calling nothing", async () => {
    emu.resetCalls();
    const r = await runCli(["check", "--only", "dcr.exist"], emu.settings);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown check "dcr.exist"');
    expect(r.stderr).toMatch(/^ {2}dcr\.exists$/m);
    expect(r.stderr).toMatch(/^ {2}ingestion\.freshness$/m);
    expect(emu.calls).toEqual([]);
  });

  it("check --json prints the JSON alone on stdout", async () => {
    emu.applyScenario("healthy");
    const r = await runCli(["check", "--json"], emu.settings);
    all.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { version: number; incidents: unknown[] };
    expect(report.version).toBe(1);
    expect(report.incidents).toEqual([]);
  });

  it("never prints a secret or token, even when sign-in fails", async () => {
    emu.applyScenario("healthy");
    const r = await runCli(["check"], { ...emu.settings, AZURE_CLIENT_SECRET: "wrong8Q~" + "x".repeat(32) });
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    // one cause said once: every check that could not tell for want of a token, under one fix
    expect(r.stdout).toMatch(/Not signed in: \d+ checks could not tell/);
    expect(r.stdout.match(/az login/g)?.length).toBeLessThanOrEqual(2);
    expect(r.stdout + r.stderr).not.toContain("wrong8Q~");
  });
});

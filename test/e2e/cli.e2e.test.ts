import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
      expect(r.stdout).toMatch(/role\.assignment\s+ok/);
      expect(r.stdout).toContain("Endpoint URL Keeper must hold:");
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
    expect(r.stdout).toMatch(/dcr\.exists\s+unknown/);
  });

  it("exits 2 on an unknown command", async () => {
    const r = await runCli(["chek"], emu.settings);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: keeper-monitor check");
  });

  it("never prints a secret or token, even when sign-in fails", async () => {
    emu.applyScenario("healthy");
    const r = await runCli(["check"], { ...emu.settings, AZURE_CLIENT_SECRET: "wrong8Q~" + "x".repeat(32) });
    all.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/could not get a token/);
    expect(r.stdout + r.stderr).not.toContain("wrong8Q~");
  });
});

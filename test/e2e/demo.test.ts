import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/report.js";

// What `npm start` runs: the build (when stale), then dist/emulator/demo.js, each its own process.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const demo = path.join(root, "dist", "emulator", "demo.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo, ...args], { cwd: root, env: { PATH: process.env["PATH"] ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const rotationState = (r: Report) => r.findings.find((f) => f.check === "rotation.state")!;

beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(root, "infra", "scripts", "build-if-stale.mjs")], {
    cwd: root,
    encoding: "utf8",
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
}, 300_000);

describe("npm start", () => {
  it("--json: stdout is the Report alone, the demo's own lines go to stderr", async () => {
    const r = await runDemo(["--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.status).toBe("ok");
    expect(r.stderr).toMatch(/^Emulator on https:\/\/127\.0\.0\.1:\d+, scenario "healthy"/);
    // Azurite is the app's storage: the rotation state is read, and says when the next rotation is due
    expect(rotationState(report)).toMatchObject({ status: "ok", evidence: { stage: "idle", due: false } });
    expect(rotationState(report).summary).toMatch(/^No rotation in progress\. The next rotation is due \d{4}-/);
  }, 180_000);

  it("--discover: the workspace alone; what was found goes to stderr, the Report to stdout", async () => {
    const r = await runDemo(["--json", "--discover"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.status).toBe("ok");
    expect(report.target.sources).toMatchObject({ appId: "sentinel", dcrId: "sentinel", tenantId: "monitor" });
    expect(r.stderr).toMatch(/Keeper connector KeeperSecurityPushConnectorPolling\S* found in Sentinel/);
  }, 180_000);

  it.each([
    ["rotation-due", { stage: "idle", due: true }, /Rotation is due: .*within SECRET_ROTATE_BEFORE_DAYS \(30\)/],
    ["rotation-handed-off", { stage: "cutover" }, /waiting for Keeper to use the new secret/],
    ["rotation-cut-over", { stage: "idle", due: false }, /the last one \(r\d{8}-[0-9a-f]+\) completed/],
  ])(
    "--scenario %s: rotation.state reports that phase",
    async (scenario, evidence, summary) => {
      const r = await runDemo(["--json", "--scenario", scenario]);
      expect(r.code, r.stderr).toBe(0);
      const f = rotationState(JSON.parse(r.stdout) as Report);
      expect(f).toMatchObject({ status: "ok", evidence });
      expect(f.summary).toMatch(summary);
    },
    180_000,
  );

  it("--serve --port 0: the status page, /api/health and /api/rotation on 127.0.0.1 until SIGINT", async () => {
    const child: ChildProcess = spawn(process.execPath, [demo, "--serve", "--port", "0"], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (b: Buffer) => {
          stdout += b.toString();
          const m = /Status page: (http:\/\/127\.0\.0\.1:\d+)\/api\/health\?format=html/.exec(stdout);
          if (m) resolve(m[1]!);
        });
        void closed.then(() => reject(new Error(`the demo ended before serving: ${stderr}`)));
      });
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get("x-content-type-options")).toBe("nosniff");
      const body = (await health.json()) as { status: string; checks: Array<{ check: string }> };
      expect(body.status).toBe("ok");
      expect(body.checks.map((c) => c.check)).toContain("rotation.state");
      const page = await fetch(`${base}/api/health?format=html`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
      expect(await page.text()).toMatch(/<html[\s\S]*rotation\.state/);
      const rotation = await fetch(`${base}/api/rotation`);
      expect(rotation.status).toBe(200);
      expect(await rotation.json()).toMatchObject({ configured: true, stage: "idle" });
      expect((await fetch(`${base}/api/health?nope=1`)).status).toBe(400); // the real handler's checks
    } finally {
      child.kill("SIGINT");
    }
    expect(await closed).toBe(0);
  }, 180_000);
});

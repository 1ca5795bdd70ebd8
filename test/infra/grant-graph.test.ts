import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = new URL("../../infra/scripts/grant-graph-permissions.sh", import.meta.url).pathname;

/** A stand-in `az` that answers every lookup (nothing granted yet) and logs what it was asked. */
function fakeAz(): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-az-"));
  const az = join(dir, "az");
  writeFileSync(
    az,
    `#!/usr/bin/env bash
case "$*" in
  *"length(@)"*) echo 0 ;;
  *) echo 11111111-2222-3333-4444-555555555555 ;;
esac
`,
  );
  chmodSync(az, 0o755);
  return dir;
}

describe("infra/scripts/grant-graph-permissions.sh", () => {
  it("grants every Graph application permission the monitor uses, the app-management policy read included", () => {
    const out = execFileSync(
      "bash",
      [
        SCRIPT,
        "--dry-run",
        "--principal-id",
        "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb",
        "--keeper-app-id",
        "cccccccc-0000-1111-2222-dddddddddddd",
      ],
      { env: { ...process.env, PATH: `${fakeAz()}:${process.env["PATH"] ?? ""}` }, encoding: "utf8" },
    );
    // GET /policies/defaultAppManagementPolicy needs Policy.Read.ApplicationConfiguration (Graph docs:
    // microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api/tenantappmanagementpolicy-get.md).
    expect(out).toContain("granting Graph Application.ReadWrite.OwnedBy");
    expect(out).toContain("granting Graph Policy.Read.ApplicationConfiguration");
    expect(out.match(/would run: az rest --method POST --uri \S+\/appRoleAssignments/g)).toHaveLength(2);
    expect(out).toMatch(/would run: az rest --method POST --uri \S+\/owners\/\$ref/);
    expect(out).toContain("dry run: nothing was changed");
    expect(out).not.toContain("AuditLog.Read.All");
  });

  it("grants AuditLog.Read.All (who changed the Keeper app's secrets) only with --audit-log", () => {
    const out = execFileSync(
      "bash",
      [
        SCRIPT,
        "--dry-run",
        "--audit-log",
        "--principal-id",
        "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb",
        "--keeper-app-id",
        "cccccccc-0000-1111-2222-dddddddddddd",
      ],
      { env: { ...process.env, PATH: `${fakeAz()}:${process.env["PATH"] ?? ""}` }, encoding: "utf8" },
    );
    // GET /auditLogs/directoryAudits needs AuditLog.Read.All (Graph docs: directoryaudit-list.md)
    expect(out).toContain("granting Graph AuditLog.Read.All");
    expect(out.match(/would run: az rest --method POST --uri \S+\/appRoleAssignments/g)).toHaveLength(3);
  });

  it("makes the identity an owner of each Keeper app it is given, for one monitor of several connectors", () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      execFileSync("bash", [SCRIPT, "--dry-run", "--principal-id", "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb", ...args], {
        env: { ...process.env, KEEPER_APP_ID: "", ...env, PATH: `${fakeAz()}:${process.env["PATH"] ?? ""}` },
        encoding: "utf8",
      });
    const owners = (out: string) => [...out.matchAll(/owner of the Keeper app (\S+)/g)].map((m) => m[1]);
    const a = "cccccccc-0000-1111-2222-dddddddddddd";
    const b = "eeeeeeee-0000-1111-2222-ffffffffffff";
    expect(owners(run(["--keeper-app-id", a, "--keeper-app-id", b]))).toEqual([a, b]);
    expect(owners(run(["--keeper-app-id", `${a},${b}`]))).toEqual([a, b]);
    expect(owners(run([], { KEEPER_APP_IDS: `${a}, ${b}` }))).toEqual([a, b]);
    const out = run(["--keeper-app-id", a, "--keeper-app-id", b]);
    expect(out.match(/would run: az rest --method POST --uri \S+\/owners\/\$ref/g)).toHaveLength(2);
    // the Graph app roles are granted once, whatever the number of apps
    expect(out.match(/would run: az rest --method POST --uri \S+\/appRoleAssignments/g)).toHaveLength(2);
    expect(() => run(["--keeper-app-id", `${a},not-a-guid`], {})).toThrow(
      /Keeper app id is missing or not a GUID: 'not-a-guid'/,
    );
    expect(() => run([])).toThrow(/Keeper app id is missing or not a GUID: ''/);
  });
});

import { describe, expect, it } from "vitest";
import { analyze } from "../../src/checks/analyze.js";
import { CHECK_CATALOG, type Finding } from "../../src/core/finding.js";
import { found, missing, notKnown } from "../../src/core/observation.js";
import type { Observed } from "../../src/checks/expected.js";
import type { CauseKind } from "../../src/core/cause.js";
import { DCE_ID, DCR_ID, KEY_A, RG, SP_OID, WS_ID, days, expected, healthy } from "./fixtures.js";

function statusOf(findings: Finding[], check: string): string {
  const f = findings.find((x) => x.check === check);
  if (!f) throw new Error(`no finding for ${check}`);
  return f.status === "problem" ? `problem:${f.severity}` : f.status;
}

function mutate(fn: (o: Observed) => void): Observed {
  const o = healthy();
  fn(o);
  return o;
}

const dcrOf = (o: Observed) => {
  if (o.dcr.kind !== "found") throw new Error("dcr");
  return o.dcr.value;
};

describe("analyze", () => {
  it("reports every drift check of the catalog exactly once, ok, sorted, on a healthy deployment", () => {
    const findings = analyze(expected(), healthy());
    // ingestion.* come from the ingestion watch (test/ingestion/watch.test.ts checks they complete the catalog).
    expect(findings.map((f) => f.check)).toEqual(
      CHECK_CATALOG.filter(
        (c) => !c.startsWith("ingestion.") && !c.startsWith("rotation.") && !c.startsWith("alerts."),
      ),
    );
    for (const f of findings) expect(f.status, `${f.check}: ${f.summary}`).toBe("ok");
  });

  it.each<[string, (o: Observed) => void, string, string]>([
    ["workspace deleted", (o) => (o.workspace = missing()), "workspace.exists", "problem:critical"],
    ["table deleted", (o) => (o.table = missing()), "table.exists", "problem:critical"],
    [
      "table column removed",
      (o) =>
        o.table.kind === "found" &&
        (o.table.value.columns = o.table.value.columns.filter((c) => c.name !== "Username")),
      "table.schema",
      "problem:critical",
    ],
    [
      "table column retyped",
      (o) =>
        o.table.kind === "found" && (o.table.value.columns.find((c) => c.name === "EnterpriseId")!.type = "string"),
      "table.schema",
      "problem:critical",
    ],
    [
      "table extra column",
      (o) => o.table.kind === "found" && o.table.value.columns.push({ name: "Extra", type: "string" }),
      "table.schema",
      "problem:warning",
    ],
    [
      "table on Basic plan",
      (o) => o.table.kind === "found" && (o.table.value.plan = "Basic"),
      "table.schema",
      "problem:warning",
    ],
    ["DCR deleted", (o) => (o.dcr = missing()), "dcr.exists", "problem:critical"],
    ["DCR deleted → role", (o) => (o.dcr = missing()), "role.assignment", "problem:critical"],
    ["DCR deleted → stream unknown, not missing", (o) => (o.dcr = missing()), "dcr.stream", "unknown"],
    [
      "DCR re-created",
      (o) => (dcrOf(o).immutableId = "dcr-ffffffffffffffffffffffffffffffff"),
      "dcr.immutableId",
      "problem:critical",
    ],
    [
      "stream column removed",
      (o) =>
        (dcrOf(o).streamDeclarations["Custom-KeeperSecurityEventNewLogs"] = dcrOf(o).streamDeclarations[
          "Custom-KeeperSecurityEventNewLogs"
        ]!.filter((c) => c.name !== "username")),
      "dcr.stream",
      "problem:critical",
    ],
    ["stream removed", (o) => (dcrOf(o).streamDeclarations = {}), "dcr.stream", "problem:critical"],
    [
      "stream column removed → transform renames a missing column",
      (o) =>
        (dcrOf(o).streamDeclarations["Custom-KeeperSecurityEventNewLogs"] = dcrOf(o).streamDeclarations[
          "Custom-KeeperSecurityEventNewLogs"
        ]!.filter((c) => c.name !== "username")),
      "dcr.dataFlow",
      "problem:critical",
    ],
    [
      "transform renames to a column the table lacks",
      (o) =>
        (dcrOf(o).dataFlows[0]!.transformKql = dcrOf(o).dataFlows[0]!.transformKql!.replace(
          "Username = username",
          "UserName = username",
        )),
      "dcr.dataFlow",
      "problem:critical",
    ],
    [
      "transform drops TimeGenerated",
      (o) =>
        (dcrOf(o).dataFlows[0]!.transformKql =
          "source | project-rename AuditEvent = audit_event | project-away TimeGenerated"),
      "dcr.dataFlow",
      "problem:critical",
    ],
    ["transform removed", (o) => (dcrOf(o).dataFlows[0]!.transformKql = undefined), "dcr.dataFlow", "problem:critical"],
    [
      "destination moved to another workspace",
      (o) =>
        (dcrOf(o).logAnalyticsDestinations[0]!.workspaceResourceId =
          `${RG}/providers/Microsoft.OperationalInsights/workspaces/other`),
      "dcr.dataFlow",
      "problem:critical",
    ],
    [
      "output stream changed",
      (o) => (dcrOf(o).dataFlows[0]!.outputStream = "Custom-Other_CL"),
      "dcr.dataFlow",
      "problem:critical",
    ],
    ["no flow for the stream", (o) => (dcrOf(o).dataFlows = []), "dcr.dataFlow", "problem:critical"],
    ["DCE deleted", (o) => (o.dce = missing()), "dce.exists", "problem:critical"],
    [
      "DCE endpoint changed",
      (o) =>
        o.dce?.kind === "found" &&
        (o.dce.value.logsIngestionEndpoint = "https://law-sentinel-zzzz.eastus-1.ingest.monitor.azure.com"),
      "dce.endpoint",
      "problem:critical",
    ],
    [
      "DCR unlinked from its DCE",
      (o) => (dcrOf(o).dataCollectionEndpointId = undefined),
      "dce.exists",
      "problem:critical",
    ],
    ["role removed", (o) => (o.roleAssignments = found([])), "role.assignment", "problem:critical"],
    [
      "only Log Analytics Contributor",
      (o) =>
        (o.roleAssignments = found([
          { id: "x", roleDefinitionGuid: "92aaf0da-9dab-42b6-94a3-d43ce8d16293", principalId: SP_OID, scope: WS_ID },
        ])),
      "role.assignment",
      "problem:critical",
    ],
    [
      "role inherited from the resource group",
      (o) =>
        (o.roleAssignments = found([
          { id: "x", roleDefinitionGuid: "3913510d-42f4-4e42-8a64-420c390055eb", principalId: SP_OID, scope: RG },
        ])),
      "role.assignment",
      "ok",
    ],
    [
      "role on another DCR",
      (o) =>
        (o.roleAssignments = found([
          {
            id: "x",
            roleDefinitionGuid: "3913510d-42f4-4e42-8a64-420c390055eb",
            principalId: SP_OID,
            scope: `${DCR_ID}2`,
          },
        ])),
      "role.assignment",
      "problem:critical",
    ],
    ["app deleted", (o) => (o.app = missing()), "app.exists", "problem:critical"],
    ["app deleted → secret", (o) => (o.app = missing()), "secret.expiry", "problem:critical"],
    ["SP deleted", (o) => (o.servicePrincipal = missing()), "app.servicePrincipal", "problem:critical"],
    [
      "SP disabled",
      (o) => o.servicePrincipal.kind === "found" && (o.servicePrincipal.value.accountEnabled = false),
      "app.servicePrincipal",
      "problem:critical",
    ],
    [
      "secret expires in 10 days",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(10.5)),
      "secret.expiry",
      "problem:warning",
    ],
    [
      "secret expires in 3 days",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(3.5)),
      "secret.expiry",
      "problem:critical",
    ],
    [
      "secret at exactly the warn boundary",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(14.5)),
      "secret.expiry",
      "problem:warning",
    ],
    [
      "secret one day beyond warn",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(15.5)),
      "secret.expiry",
      "ok",
    ],
    [
      "all secrets expired",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(-1)),
      "secret.expiry",
      "problem:critical",
    ],
    [
      "no secret",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials = []),
      "secret.expiry",
      "problem:critical",
    ],
    [
      "vault names a removed credential",
      (o) =>
        o.vaultSecret?.kind === "found" && (o.vaultSecret.value.tags["keyId"] = "cccccccc-0000-0000-0000-000000000003"),
      "secret.vault",
      "problem:warning",
    ],
    [
      "vault names the expired credential",
      (o) => o.vaultSecret?.kind === "found" && (o.vaultSecret.value.tags["keyId"] = KEY_A),
      "secret.vault",
      "problem:warning",
    ],
    [
      "vault version untagged",
      (o) => o.vaultSecret?.kind === "found" && (o.vaultSecret.value.tags = {}),
      "secret.vault",
      "problem:warning",
    ],
    ["vault secret missing", (o) => (o.vaultSecret = missing()), "secret.vault", "problem:warning"],
    ["vault not configured", (o) => delete o.vaultSecret, "secret.vault", "ok"],
    [
      "DCR 403 → unknown, never missing",
      (o) =>
        (o.dcr = notKnown(
          "the monitor's identity may not read the DCR (403 AuthorizationFailed)",
          "Grant Monitoring Reader",
        )),
      "dcr.exists",
      "unknown",
    ],
    ["DCR 403 → DCE unknown", (o) => (o.dcr = notKnown("403")), "dce.exists", "unknown"],
    ["Graph throttled → app unknown", (o) => (o.app = notKnown("throttled")), "app.exists", "unknown"],
    ["Graph throttled → secret unknown", (o) => (o.app = notKnown("throttled")), "secret.expiry", "unknown"],
  ])("%s → %s is %s", (_name, change, check, status) => {
    expect(statusOf(analyze(expected(), mutate(change)), check)).toBe(status);
  });

  it("changes nothing else when one piece breaks", () => {
    const findings = analyze(
      expected(),
      mutate((o) => (o.roleAssignments = found([]))),
    );
    expect(findings.filter((f) => f.status !== "ok").map((f) => f.check)).toEqual(["role.assignment"]);
  });

  it("gives a concrete fix naming the principal and DCR for a missing role", () => {
    const f = analyze(
      expected(),
      mutate((o) => (o.roleAssignments = found([]))),
    ).find((x) => x.check === "role.assignment")!;
    expect(f.remediation).toContain(`--assignee-object-id ${SP_OID}`);
    expect(f.remediation).toContain(`--scope ${DCR_ID}`);
    expect(f.remediation).toContain("Monitoring Metrics Publisher");
  });

  it("names the role that is held but does not grant ingestion", () => {
    const f = analyze(
      expected(),
      mutate((o) => {
        o.roleAssignments = found([]);
        o.roleAssignmentsNearby = found([
          { id: "x", roleDefinitionGuid: "92aaf0da-9dab-42b6-94a3-d43ce8d16293", principalId: SP_OID, scope: WS_ID },
        ]);
      }),
    ).find((x) => x.check === "role.assignment")!;
    expect(f.summary).toContain("Log Analytics Contributor");
  });

  it("reports the changed fields and the endpoint Keeper must hold when the DCE URI changed", () => {
    const f = analyze(
      expected(),
      mutate(
        (o) =>
          o.dce?.kind === "found" &&
          (o.dce.value.logsIngestionEndpoint = "https://new-dce.eastus-1.ingest.monitor.azure.com"),
      ),
    ).find((x) => x.check === "dce.endpoint")!;
    expect(f.evidence?.changed).toEqual(["logsIngestion.endpoint"]);
    expect(f.evidence?.["endpointUrl"]).toBe(
      "https://new-dce.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-KeeperSecurityEventNewLogs?api-version=2023-01-01",
    );
    expect(f.remediation).toContain("Keeper Admin Console");
  });

  it.each([
    ["filters one user out", ` | where Username != "attacker@example.com"`, /keeps only the rows that match/, [], 1],
    ["blanks Username", ` | extend Username = ""`, /Username is blanked/, ["Username"], 0],
    ["removes RemoteAddress", ` | project-away RemoteAddress`, /RemoteAddress is removed/, ["RemoteAddress"], 0],
  ])(
    "reports a transform that %s as critical, the solution's transform beside the live one",
    (_name, suffix, text, columns, rows) => {
      const solution = expected().profile.transformKql;
      const f = analyze(
        expected(),
        mutate((o) => (dcrOf(o).dataFlows[0]!.transformKql = `${solution}${suffix}`)),
      ).find((x) => x.check === "dcr.dataFlow")!;
      expect(`${f.status}:${f.severity}`).toBe("problem:critical");
      expect(f.summary).toMatch(/hides or alters Keeper's events/);
      expect(f.summary).toMatch(text);
      expect(f.evidence?.changed).toEqual(["transformKql"]);
      expect(f.evidence?.expected).toMatchObject({ transformKql: solution });
      expect(f.evidence?.actual).toMatchObject({ transformKql: `${solution}${suffix}` });
      const affected = f.evidence?.["affected"] as { rows: string[]; columns: string[] };
      expect(affected.columns).toEqual(columns);
      expect(affected.rows).toHaveLength(rows);
    },
  );

  it("keeps a harmless customisation (comments, spacing, an extra column) ok", () => {
    const solution = expected().profile.transformKql;
    const f = analyze(
      expected(),
      mutate(
        (o) =>
          (dcrOf(o).dataFlows[0]!.transformKql =
            `// Keeper\n${solution.replace(/ \| /g, "\n| ")}\n| extend Source = "keeper"`),
      ),
    ).find((x) => x.check === "dcr.dataFlow")!;
    // the table lacks Source: that is a fit problem of its own, not tampering
    expect(f.summary).not.toMatch(/hides or alters/);
    const g = analyze(
      expected(),
      mutate((o) => (dcrOf(o).dataFlows[0]!.transformKql = `// Keeper\n${solution.replace(/ \| /g, "\n| ")}`)),
    ).find((x) => x.check === "dcr.dataFlow")!;
    expect(g.status, g.summary).toBe("ok");
    expect(g.summary).toMatch(/\(customised\)/);
  });

  it("lists missing and retyped table columns in the evidence", () => {
    const f = analyze(
      expected(),
      mutate((o) => {
        if (o.table.kind !== "found") return;
        o.table.value.columns = o.table.value.columns.filter((c) => c.name !== "Username");
        o.table.value.columns.find((c) => c.name === "EnterpriseId")!.type = "string";
      }),
    ).find((x) => x.check === "table.schema")!;
    expect(f.evidence?.changed).toEqual(["Username", "EnterpriseId"]);
    expect(f.summary).toMatch(/missing Username; EnterpriseId is string \(expected int\)/);
  });

  it("carries the reason and the permission fix of an unknown", () => {
    const f = analyze(
      expected(),
      mutate(
        (o) =>
          (o.dcr = notKnown(
            "the monitor's identity may not read the DCR (403 AuthorizationFailed)",
            `Grant the monitor's identity Monitoring Reader on ${DCR_ID}.`,
          )),
      ),
    ).find((x) => x.check === "dcr.exists")!;
    expect(f.summary).toContain("403");
    expect(f.summary).not.toMatch(/does not exist|missing/);
    expect(f.remediation).toContain("Monitoring Reader");
  });

  it("accepts a Direct DCR with its own endpoint and no DCE", () => {
    const o = mutate((x) => {
      const d = dcrOf(x);
      d.dataCollectionEndpointId = undefined;
      d.logsIngestionEndpoint = "https://law-sentinel-abcd.eastus-1.ingest.monitor.azure.com";
      delete x.dce;
    });
    const findings = analyze(expected(), o);
    expect(statusOf(findings, "dce.exists")).toBe("ok");
    expect(statusOf(findings, "dce.endpoint")).toBe("ok");
  });

  it.each<[string, (o: Observed) => void, string, CauseKind | undefined]>([
    ["workspace deleted", (o) => (o.workspace = missing()), "workspace.exists", "workspace-missing"],
    ["table deleted", (o) => (o.table = missing()), "table.exists", "table-missing"],
    [
      "table gone with its workspace",
      (o) => {
        o.workspace = missing();
        o.table = missing();
      },
      "table.exists",
      "table-missing",
    ],
    [
      "table column removed",
      (o) =>
        o.table.kind === "found" &&
        (o.table.value.columns = o.table.value.columns.filter((c) => c.name !== "Username")),
      "table.schema",
      "table-schema-changed",
    ],
    [
      "table extra column (harmless)",
      (o) => o.table.kind === "found" && o.table.value.columns.push({ name: "Extra", type: "string" }),
      "table.schema",
      undefined,
    ],
    [
      "table on Basic plan (no ingestion stop)",
      (o) => o.table.kind === "found" && (o.table.value.plan = "Basic"),
      "table.schema",
      undefined,
    ],
    ["DCR deleted", (o) => (o.dcr = missing()), "dcr.exists", "dcr-missing"],
    ["DCR deleted → role", (o) => (o.dcr = missing()), "role.assignment", "role-missing"],
    [
      "DCR re-created",
      (o) => (dcrOf(o).immutableId = "dcr-ffffffffffffffffffffffffffffffff"),
      "dcr.immutableId",
      "dcr-recreated",
    ],
    ["stream removed", (o) => (dcrOf(o).streamDeclarations = {}), "dcr.stream", "dcr-stream-changed"],
    ["no flow for the stream", (o) => (dcrOf(o).dataFlows = []), "dcr.dataFlow", "dcr-flow-missing"],
    [
      "output stream changed",
      (o) => (dcrOf(o).dataFlows[0]!.outputStream = "Custom-Other_CL"),
      "dcr.dataFlow",
      "dcr-flow-changed",
    ],
    [
      "transform samples rows",
      (o) => (dcrOf(o).dataFlows[0]!.transformKql = "source | take 10"),
      "dcr.dataFlow",
      "transform-tampered",
    ],
    ["DCE deleted", (o) => (o.dce = missing()), "dce.exists", "dce-missing"],
    ["DCR unlinked from its DCE", (o) => (dcrOf(o).dataCollectionEndpointId = undefined), "dce.exists", "dce-missing"],
    [
      "DCE endpoint changed",
      (o) =>
        o.dce?.kind === "found" &&
        (o.dce.value.logsIngestionEndpoint = "https://law-sentinel-zzzz.eastus-1.ingest.monitor.azure.com"),
      "dce.endpoint",
      "dce-endpoint-changed",
    ],
    ["role removed", (o) => (o.roleAssignments = found([])), "role.assignment", "role-missing"],
    ["app deleted", (o) => (o.app = missing()), "app.exists", "app-missing"],
    ["app deleted → secret", (o) => (o.app = missing()), "secret.expiry", "no-valid-secret"],
    ["SP deleted", (o) => (o.servicePrincipal = missing()), "app.servicePrincipal", "sp-missing"],
    ["SP deleted → role", (o) => (o.servicePrincipal = missing()), "role.assignment", "role-missing"],
    [
      "SP disabled",
      (o) => o.servicePrincipal.kind === "found" && (o.servicePrincipal.value.accountEnabled = false),
      "app.servicePrincipal",
      "sp-disabled",
    ],
    [
      "no secret",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials = []),
      "secret.expiry",
      "no-valid-secret",
    ],
    [
      "secret expires in 3 days (still valid)",
      (o) => o.app.kind === "found" && (o.app.value.passwordCredentials[1]!.endDateTime = days(3.5)),
      "secret.expiry",
      undefined,
    ],
    ["vault secret missing (Keeper unaffected)", (o) => (o.vaultSecret = missing()), "secret.vault", undefined],
    ["DCR 403 → unknown carries no cause", (o) => (o.dcr = notKnown("403")), "dcr.exists", undefined],
  ])("%s → %s carries cause %s", (_name, change, check, kind) => {
    const f = analyze(expected(), mutate(change)).find((x) => x.check === check)!;
    expect(f.cause?.kind).toBe(kind);
  });

  it("names the role's scope, principal and the roles held in its cause", () => {
    const o = mutate(
      (x) =>
        (x.roleAssignments = found([
          { id: "x", roleDefinitionGuid: "92aaf0da-9dab-42b6-94a3-d43ce8d16293", principalId: SP_OID, scope: WS_ID },
        ])),
    );
    expect(analyze(expected(), o).find((f) => f.check === "role.assignment")!.cause).toEqual({
      kind: "role-missing",
      scope: DCR_ID,
      principalId: SP_OID,
      held: [`Log Analytics Contributor at ${WS_ID}`],
    });
  });

  it("dates the latest expired secret in its cause", () => {
    const o = mutate((x) => x.app.kind === "found" && (x.app.value.passwordCredentials[1]!.endDateTime = days(-1)));
    expect(analyze(expected(), o).find((f) => f.check === "secret.expiry")!.cause).toEqual({
      kind: "no-valid-secret",
      credentials: 2,
      lastExpiredOn: days(-1).toISOString(),
    });
  });

  it("gives no ok finding a cause", () => {
    for (const f of analyze(expected(), healthy())) expect(f.cause, f.check).toBeUndefined();
  });

  it("does not depend on DCE id case", () => {
    const o = mutate((x) => (dcrOf(x).dataCollectionEndpointId = DCE_ID.toLowerCase()));
    expect(statusOf(analyze(expected(), o), "dce.exists")).toBe("ok");
  });
});

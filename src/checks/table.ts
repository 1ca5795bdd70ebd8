import { ok, problem, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";
import { allColumns, changedFields, describeDiff, diffColumns } from "./columns.js";

export function analyzeTable(e: Expected, o: Observed): Finding[] {
  const resource = `${e.workspaceId}/tables/${e.profile.tableName}`;
  const t = o.table;
  if (t.kind === "unknown") {
    const reason = o.workspace.kind === "missing" ? { reason: "the workspace does not exist" } : t;
    return [unknownFrom("table.exists", reason, resource), unknownFrom("table.schema", reason, resource)];
  }
  if (t.kind === "missing") {
    if (o.workspace.kind === "missing")
      return [
        problem("table.exists", "critical", `Table ${e.profile.tableName} is gone with its workspace.`, {
          resource,
          remediation: "Recover the workspace first (see workspace.exists).",
          cause: { kind: "table-missing", table: e.profile.tableName, withWorkspace: true },
        }),
        unknownFrom("table.schema", { reason: "the table does not exist" }, resource),
      ];
    return [
      problem(
        "table.exists",
        "critical",
        `Table ${e.profile.tableName} does not exist: the DCR cannot write Keeper events.`,
        {
          resource,
          remediation:
            "Recreate the table with the Keeper columns (redeploy the Keeper Security solution from Content hub, or az monitor log-analytics workspace table create --name " +
            `${e.profile.tableName} --columns TimeGenerated=datetime AuditEvent=string RemoteAddress=string Category=string ClientVersion=string EnterpriseId=int Username=string Timestamp=datetime Data=dynamic).`,
          cause: { kind: "table-missing", table: e.profile.tableName, withWorkspace: false },
        },
      ),
      unknownFrom("table.schema", { reason: "the table does not exist" }, resource),
    ];
  }
  const table = t.value;
  // A Keeper column may be a standard one (TimeGenerated); only custom columns can be extra.
  const custom = new Set(table.columns.map((c) => c.name));
  const full = diffColumns(e.profile.tableColumns, allColumns(table));
  const diff = { ...full, extra: full.extra.filter((c) => custom.has(c.name)) };
  const findings: Finding[] = [ok("table.exists", `Table ${e.profile.tableName} exists.`, { resource })];
  const evidence = {
    expected: { columns: e.profile.tableColumns, plan: e.profile.tablePlan },
    actual: { columns: table.columns, plan: table.plan },
  };
  if (diff.missing.length || diff.retyped.length) {
    findings.push(
      problem(
        "table.schema",
        "critical",
        `Table ${e.profile.tableName} no longer fits Keeper's events: ${describeDiff(diff)}.`,
        {
          resource,
          evidence: { ...evidence, changed: changedFields(diff) },
          remediation: `Restore the columns: az monitor log-analytics workspace table update --name ${e.profile.tableName} --columns ${e.profile.tableColumns
            .map((c) => `${c.name}=${c.type}`)
            .join(" ")} (a retyped column needs the table recreated).`,
          cause: { kind: "table-schema-changed", table: e.profile.tableName, changed: changedFields(diff) },
        },
      ),
    );
  } else if (table.plan !== undefined && table.plan.toLowerCase() !== e.profile.tablePlan.toLowerCase()) {
    findings.push(
      problem(
        "table.schema",
        "warning",
        `Table ${e.profile.tableName} is on the ${table.plan} plan: Sentinel analytics rules cannot use it (expected ${e.profile.tablePlan}).`,
        {
          resource,
          evidence: { ...evidence, changed: ["plan"] },
          remediation: `az monitor log-analytics workspace table update --name ${e.profile.tableName} --plan ${e.profile.tablePlan}`,
        },
      ),
    );
  } else if (diff.extra.length) {
    findings.push(
      problem(
        "table.schema",
        "warning",
        `Table ${e.profile.tableName} has columns Keeper does not send: ${describeDiff(diff)}.`,
        {
          resource,
          evidence: { ...evidence, changed: changedFields(diff) },
          remediation: "Harmless for ingestion; remove the extra columns if nobody added them on purpose.",
        },
      ),
    );
  } else {
    findings.push(
      ok(
        "table.schema",
        `Table ${e.profile.tableName} has Keeper's ${e.profile.tableColumns.length} columns, plan ${table.plan ?? e.profile.tablePlan}.`,
        { resource },
      ),
    );
  }
  return findings;
}

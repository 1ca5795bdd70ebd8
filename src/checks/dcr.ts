import { ok, problem, unknown, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";
import { allColumns, changedFields, describeDiff, diffColumns } from "./columns.js";
import { analyzeTransform, tamperingOf } from "./transform.js";
import { sameArmId } from "../core/armId.js";
import { normalizeType } from "../connector/profile.js";
import type { Column, Dcr } from "../connector/types.js";

const DCR_CHECKS = ["dcr.immutableId", "dcr.stream", "dcr.dataFlow"] as const;

export function analyzeDcr(e: Expected, o: Observed): Finding[] {
  const d = o.dcr;
  if (d.kind === "unknown") return DCR_CHECKS.map((c) => unknownFrom(c, d, e.dcrId));
  if (d.kind === "missing") return DCR_CHECKS.map((c) => unknownFrom(c, { reason: "the DCR does not exist" }, e.dcrId));
  const dcr = d.value;
  return [immutableId(e, dcr), stream(e, dcr), dataFlow(e, o, dcr)];
}

function immutableId(e: Expected, dcr: Dcr): Finding {
  const check = "dcr.immutableId";
  if (dcr.immutableId === undefined)
    return unknown(check, "The DCR reply carries no immutableId.", { resource: dcr.id });
  if (dcr.immutableId.toLowerCase() === e.dcrImmutableId.toLowerCase())
    return ok(check, `The DCR's immutable id is ${dcr.immutableId}, as Keeper is configured.`, { resource: dcr.id });
  return problem(
    check,
    "critical",
    `The DCR was re-created: its immutable id is ${dcr.immutableId}, Keeper posts to ${e.dcrImmutableId}.`,
    {
      resource: dcr.id,
      evidence: { expected: e.dcrImmutableId, actual: dcr.immutableId, changed: ["immutableId"] },
      remediation: `In the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs) set the Endpoint URL to use /dataCollectionRules/${dcr.immutableId}/, then set KEEPER_DCR_IMMUTABLE_ID=${dcr.immutableId}.`,
      cause: { kind: "dcr-recreated", expected: e.dcrImmutableId, actual: dcr.immutableId },
    },
  );
}

function stream(e: Expected, dcr: Dcr): Finding {
  const check = "dcr.stream";
  const name = e.profile.streamName;
  const declared = Object.entries(dcr.streamDeclarations).find(([k]) => k === name)?.[1];
  if (!declared)
    return problem(check, "critical", `The DCR no longer declares stream ${name}: Keeper's pushes are refused.`, {
      resource: dcr.id,
      evidence: { expected: name, actual: Object.keys(dcr.streamDeclarations), changed: ["streamDeclarations"] },
      remediation: `Add stream ${name} with Keeper's columns back to the DCR (redeploy the Keeper Security data connector).`,
      cause: { kind: "dcr-stream-changed", stream: name, changed: ["streamDeclarations"] },
    });
  const diff = diffColumns(e.profile.streamColumns, declared);
  if (diff.missing.length || diff.retyped.length)
    return problem(check, "critical", `Stream ${name} no longer matches Keeper's events: ${describeDiff(diff)}.`, {
      resource: dcr.id,
      evidence: { expected: e.profile.streamColumns, actual: declared, changed: changedFields(diff) },
      remediation: `Restore the stream's columns in the DCR: ${e.profile.streamColumns.map((c) => `${c.name}:${c.type}`).join(", ")}.`,
      cause: { kind: "dcr-stream-changed", stream: name, changed: changedFields(diff) },
    });
  return ok(
    check,
    `Stream ${name} declares Keeper's ${e.profile.streamColumns.length} columns${diff.extra.length ? ` (plus ${diff.extra.map((c) => c.name).join(", ")})` : ""}.`,
    { resource: dcr.id },
  );
}

function dataFlow(e: Expected, o: Observed, dcr: Dcr): Finding {
  const check = "dcr.dataFlow";
  const name = e.profile.streamName;
  const flows = dcr.dataFlows.filter((f) => f.streams.includes(name));
  const fix = "Restore the DCR's data flow (redeploy the Keeper Security data connector from Content hub).";
  if (flows.length === 0)
    return problem(check, "critical", `No data flow in the DCR takes stream ${name}: Keeper's events go nowhere.`, {
      resource: dcr.id,
      evidence: { expected: { streams: [name] }, actual: dcr.dataFlows, changed: ["dataFlows"] },
      remediation: fix,
      cause: { kind: "dcr-flow-missing", stream: name },
    });

  const issues: string[] = [];
  const changed = new Set<string>();
  const wsDestinations = new Set(
    dcr.logAnalyticsDestinations.filter((d) => sameArmId(d.workspaceResourceId, e.workspaceId)).map((d) => d.name),
  );
  const flow = flows.find((f) => f.destinations.some((n) => wsDestinations.has(n)));
  if (!flow) {
    changed.add("destinations");
    const actual = dcr.logAnalyticsDestinations.map((d) => d.workspaceResourceId ?? d.name).join(", ") || "none";
    issues.push(`the stream's destination is not the Sentinel workspace (it is ${actual})`);
  }
  const f = flow ?? flows[0]!;
  const expectedOutput = e.profile.outputStream.toLowerCase();
  if ((f.outputStream ?? "").toLowerCase() !== expectedOutput) {
    changed.add("outputStream");
    issues.push(`the output stream is ${f.outputStream ?? "unset"}, expected ${e.profile.outputStream}`);
  }

  const inputColumns: Column[] = dcr.streamDeclarations[name] ?? e.profile.streamColumns;
  const tr = analyzeTransform(f.transformKql, inputColumns);
  for (const err of tr.errors) {
    changed.add("transformKql");
    issues.push(err);
  }
  const tableColumns = o.table.kind === "found" ? allColumns(o.table.value) : e.profile.tableColumns;
  const tableTypes = new Map(tableColumns.map((c) => [c.name, normalizeType(c.type)]));
  const produced = new Map(tr.columns.map((c) => [c.name, c.type]));
  for (const c of tr.columns) {
    const t = tableTypes.get(c.name);
    if (t === undefined) {
      changed.add("transformKql");
      issues.push(`the transform outputs ${c.name}, which table ${e.profile.tableName} lacks (its values are dropped)`);
    } else if (c.type !== "unknown" && t !== c.type) {
      changed.add("transformKql");
      issues.push(`the transform outputs ${c.name} as ${c.type}, the table holds ${t}`);
    }
  }
  if (!produced.has("TimeGenerated")) {
    changed.add("transformKql");
    issues.push("the transform does not output TimeGenerated (every row is dropped)");
  }
  const solution = analyzeTransform(e.profile.transformKql, e.profile.streamColumns);
  const tampering = tamperingOf(
    solution,
    tr,
    e.profile.tableColumns.map((c) => c.name).filter((c) => c !== "TimeGenerated" || produced.has(c)),
  );
  const tampered = [...tampering.unreadable, ...tampering.rows, ...tampering.columns];
  if (tampered.length) changed.add("transformKql");

  const evidence = {
    expected: {
      streams: [name],
      destination: e.workspaceId,
      outputStream: e.profile.outputStream,
      transformKql: e.profile.transformKql,
    },
    actual: {
      streams: f.streams,
      destinations: f.destinations,
      outputStream: f.outputStream,
      transformKql: f.transformKql,
    },
  };
  if (issues.length || tampered.length) {
    const parts = [
      ...(tampered.length ? [`the transform hides or alters Keeper's events: ${tampered.join("; ")}`] : []),
      ...issues,
    ];
    return problem(check, "critical", `The DCR's data flow is broken: ${parts.join("; ")}.`, {
      resource: dcr.id,
      evidence: {
        ...evidence,
        changed: [...changed].sort(),
        ...(tampered.length
          ? {
              affected: {
                rows: tampering.rows,
                columns: tampering.affectedColumns,
                unreadable: tampering.unreadable,
              },
            }
          : {}),
      },
      remediation: `${fix} The expected transform is: ${e.profile.transformKql}`,
      cause: tampered.length
        ? {
            kind: "transform-tampered",
            rows: tampering.rows,
            columns: tampering.affectedColumns,
            unreadable: tampering.unreadable,
          }
        : { kind: "dcr-flow-changed", changed: [...changed].sort() },
    });
  }
  const customised = (f.transformKql ?? "").replace(/\s+/g, " ").trim() !== e.profile.transformKql;
  const note = tr.unverified.length ? ` (not interpreted: ${tr.unverified.join("; ")})` : "";
  return ok(
    check,
    `Stream ${name} flows to the Sentinel workspace as ${f.outputStream}; the transform fits stream and table${customised ? " (customised)" : ""}${note}.`,
    { resource: dcr.id },
  );
}

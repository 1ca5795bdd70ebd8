import { ok, problem, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";
import { scopeCovers } from "../core/armId.js";
import { KNOWN_ROLES } from "../connector/profile.js";

export function analyzeRole(e: Expected, o: Observed): Finding[] {
  const check = "role.assignment";
  const resource = e.dcrId;
  const role = KNOWN_ROLES[e.profile.ingestionRoleGuid] ?? e.profile.ingestionRoleGuid;
  const sp = o.servicePrincipal;
  if (sp.kind === "unknown")
    return [
      unknownFrom(check, { reason: `the Keeper app's service principal could not be read (${sp.reason})` }, resource),
    ];
  if (sp.kind === "missing")
    return [
      problem(check, "critical", `The Keeper app has no service principal, so it holds no ${role} role.`, {
        resource,
        remediation: "Fix app.servicePrincipal first, then assign the role.",
        cause: { kind: "role-missing", scope: e.dcrId, held: [] },
      }),
    ];
  const assign = `az role assignment create --assignee-object-id ${sp.value.objectId} --assignee-principal-type ServicePrincipal --role "${role}" --scope ${e.dcrId}`;
  if (o.dcr.kind === "missing")
    return [
      problem(check, "critical", `The DCR does not exist, so no role on it lets Keeper ingest.`, {
        resource,
        remediation: `Recreate the DCR, then: ${assign}`,
        cause: { kind: "role-missing", scope: e.dcrId, principalId: sp.value.objectId, held: [] },
      }),
    ];
  const ra = o.roleAssignments;
  if (ra.kind === "unknown") return [unknownFrom(check, ra, resource)];
  if (ra.kind === "missing")
    return [unknownFrom(check, { reason: "the role assignment list was not found" }, resource)];

  // assignedTo() also returns assignments made to groups the principal belongs to: keep them all.
  const applicable = ra.value.filter((a) => scopeCovers(a.scope, e.dcrId));
  const granting = applicable.filter((a) => a.roleDefinitionGuid === e.profile.ingestionRoleGuid);
  if (granting.length > 0) {
    const direct = granting.some((a) => a.scope.toLowerCase() === e.dcrId.toLowerCase());
    return [
      ok(check, `The Keeper app holds ${role} on the DCR${direct ? "" : ` (inherited from ${granting[0]!.scope})`}.`, {
        resource,
        evidence: { scopes: granting.map((a) => a.scope) },
      }),
    ];
  }
  const others = applicable.map((a) => `${KNOWN_ROLES[a.roleDefinitionGuid] ?? a.roleDefinitionGuid} at ${a.scope}`);
  const nearby = o.roleAssignmentsNearby?.kind === "found" ? o.roleAssignmentsNearby.value : [];
  const seen = new Set(applicable.map((a) => a.id.toLowerCase()));
  const elsewhere = [...ra.value, ...nearby]
    .filter(
      (a) => !scopeCovers(a.scope, e.dcrId) && !seen.has(a.id.toLowerCase()) && (seen.add(a.id.toLowerCase()), true),
    )
    .map((a) => `${KNOWN_ROLES[a.roleDefinitionGuid] ?? a.roleDefinitionGuid} at ${a.scope}`);
  const held = [...others, ...elsewhere];
  return [
    problem(
      check,
      "critical",
      held.length
        ? `The Keeper app lacks ${role} on the DCR; it holds only ${held.join(", ")}, which does not grant ingestion (Keeper gets 403).`
        : `The Keeper app holds no role on the DCR: Keeper's pushes get 403.`,
      {
        resource,
        evidence: { expected: { role, scope: e.dcrId }, actual: held, changed: ["roleAssignments"] },
        remediation: `${assign} (takes up to 30 minutes to apply).`,
        cause: { kind: "role-missing", scope: e.dcrId, principalId: sp.value.objectId, held },
      },
    ),
  ];
}

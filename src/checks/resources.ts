import { problem, ok, unknown, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import type { Observation } from "../core/observation.js";
import type { Cause } from "../core/cause.js";

/** The unknown finding for an observation that could not be made. */
export function unknownFrom(check: string, obs: { reason: string; remediation?: string }, resource?: string): Finding {
  return unknown(check, `Could not tell: ${obs.reason}.`, {
    ...(resource === undefined ? {} : { resource }),
    ...(obs.remediation === undefined ? {} : { remediation: obs.remediation }),
  });
}

function existence<T>(
  check: string,
  obs: Observation<T>,
  resource: string,
  what: string,
  onMissing: { summary: string; remediation: string; cause: Cause },
): Finding {
  switch (obs.kind) {
    case "found":
      return ok(check, `${what} exists.`, { resource });
    case "missing":
      return problem(check, "critical", onMissing.summary, {
        resource,
        remediation: onMissing.remediation,
        cause: onMissing.cause,
      });
    case "unknown":
      return unknownFrom(check, obs, resource);
  }
}

export function analyzeWorkspace(e: Expected, o: Observed): Finding[] {
  return [
    existence("workspace.exists", o.workspace, e.workspaceId, "The Sentinel workspace", {
      summary: "The Sentinel workspace does not exist: no Keeper event can be stored.",
      remediation: `Recover the workspace within 14 days of deletion: az monitor log-analytics workspace recover --resource-group <rg> --workspace-name <name>, or correct KEEPER_WORKSPACE_RESOURCE_ID (${e.workspaceId}).`,
      cause: { kind: "workspace-missing", workspaceId: e.workspaceId },
    }),
  ];
}

export function analyzeDcrExists(e: Expected, o: Observed): Finding[] {
  return [
    existence("dcr.exists", o.dcr, e.dcrId, "The data collection rule", {
      summary: "The data collection rule does not exist: every Keeper push is refused.",
      remediation:
        "Redeploy the Keeper Security solution's data connector (Microsoft Sentinel → Content hub → Keeper Security → Data connectors) or recreate the DCR, then give Keeper the new Endpoint URL and re-assign Monitoring Metrics Publisher to the Keeper app on it.",
      cause: { kind: "dcr-missing", dcrId: e.dcrId },
    }),
  ];
}

export function analyzeApp(e: Expected, o: Observed): Finding[] {
  const out: Finding[] = [
    existence("app.exists", o.app, e.appId, "The Keeper app registration", {
      summary: `The Keeper app registration (appId ${e.appId}) does not exist: Keeper cannot get a token.`,
      remediation:
        "Restore it within 30 days: Entra admin center → App registrations → Deleted applications → Restore app registration (az rest --method POST --uri https://graph.microsoft.com/v1.0/directory/deletedItems/<objectId>/restore).",
      cause: { kind: "app-missing", appId: e.appId },
    }),
  ];
  const sp = o.servicePrincipal;
  const check = "app.servicePrincipal";
  if (sp.kind === "unknown") out.push(unknownFrom(check, sp, e.appId));
  else if (sp.kind === "missing")
    out.push(
      problem(check, "critical", "The Keeper app has no service principal in the tenant: it cannot sign in.", {
        resource: e.appId,
        remediation: `az ad sp create --id ${e.appId}, then re-assign Monitoring Metrics Publisher on the DCR.`,
        cause: { kind: "sp-missing", appId: e.appId },
      }),
    );
  else if (!sp.value.accountEnabled)
    out.push(
      problem(check, "critical", "The Keeper app's service principal is disabled: sign-ins are refused.", {
        resource: e.appId,
        evidence: {
          expected: { accountEnabled: true },
          actual: { accountEnabled: false },
          changed: ["accountEnabled"],
        },
        remediation: `az ad sp update --id ${e.appId} --set accountEnabled=true (Entra admin center → Enterprise applications → properties → Enabled for users to sign-in).`,
        cause: { kind: "sp-disabled", appId: e.appId },
      }),
    );
  else out.push(ok(check, "The Keeper app's service principal exists and is enabled.", { resource: e.appId }));
  return out;
}

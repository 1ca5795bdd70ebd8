import { ok, problem, unknown, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";

/** Endpoint URLs compare by scheme, host and path, ignoring case of the host and a trailing slash. */
export function sameEndpoint(a: string, b: string): boolean {
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    return (
      ua.protocol === ub.protocol &&
      ua.host.toLowerCase() === ub.host.toLowerCase() &&
      ua.pathname.replace(/\/+$/, "") === ub.pathname.replace(/\/+$/, "")
    );
  } catch {
    return false;
  }
}

/** The Endpoint URL Keeper must hold, assembled from live values. */
export function keeperEndpointUrl(ingestionEndpoint: string, immutableId: string, stream: string): string {
  return `${ingestionEndpoint.replace(/\/+$/, "")}/dataCollectionRules/${immutableId}/streams/${stream}?api-version=2023-01-01`;
}

export function analyzeDce(e: Expected, o: Observed): Finding[] {
  const d = o.dcr;
  if (d.kind !== "found") {
    const reason = d.kind === "missing" ? { reason: "the DCR does not exist, so its DCE is not known" } : d;
    return [unknownFrom("dce.exists", reason, e.dcrId), unknownFrom("dce.endpoint", reason, e.dcrId)];
  }
  const dcr = d.value;
  let liveEndpoint: string | undefined;
  const findings: Finding[] = [];
  if (dcr.dataCollectionEndpointId === undefined) {
    if (dcr.logsIngestionEndpoint === undefined)
      return [
        problem(
          "dce.exists",
          "critical",
          "The DCR has neither a data collection endpoint nor its own ingestion endpoint.",
          {
            resource: dcr.id,
            evidence: { expected: "dataCollectionEndpointId", actual: null, changed: ["dataCollectionEndpointId"] },
            remediation:
              "Link the DCR to its DCE again: az monitor data-collection rule update --ids <dcr> --data-collection-endpoint-id <dce id>.",
            cause: { kind: "dce-missing" },
          },
        ),
        unknownFrom("dce.endpoint", { reason: "the DCR has no endpoint" }, dcr.id),
      ];
    findings.push(
      ok("dce.exists", "The DCR has its own logs-ingestion endpoint (no DCE needed).", { resource: dcr.id }),
    );
    liveEndpoint = dcr.logsIngestionEndpoint;
  } else {
    const dce = o.dce;
    const resource = dcr.dataCollectionEndpointId;
    if (dce === undefined || dce.kind === "unknown") {
      const reason = dce ?? { reason: "the DCE was not read" };
      return [unknownFrom("dce.exists", reason, resource), unknownFrom("dce.endpoint", reason, resource)];
    }
    if (dce.kind === "missing")
      return [
        problem(
          "dce.exists",
          "critical",
          "The data collection endpoint the DCR points at does not exist: Keeper's pushes fail.",
          {
            resource,
            remediation:
              "Recreate the DCE (az monitor data-collection endpoint create --name <name> --resource-group <rg> --public-network-access Enabled), link the DCR to it, and give Keeper the new Endpoint URL.",
            cause: { kind: "dce-missing", dceId: resource },
          },
        ),
        unknownFrom("dce.endpoint", { reason: "the DCE does not exist" }, resource),
      ];
    findings.push(ok("dce.exists", `Data collection endpoint ${dce.value.name} exists.`, { resource }));
    liveEndpoint = dce.value.logsIngestionEndpoint;
    if (liveEndpoint === undefined)
      return [...findings, unknown("dce.endpoint", "The DCE reply carries no logs-ingestion endpoint.", { resource })];
  }

  const resource = dcr.dataCollectionEndpointId ?? dcr.id;
  const endpointUrl = keeperEndpointUrl(liveEndpoint, dcr.immutableId ?? e.dcrImmutableId, e.profile.streamName);
  if (sameEndpoint(liveEndpoint, e.dceUri))
    findings.push(
      ok("dce.endpoint", `The DCE's logs-ingestion URI is the one Keeper uses.`, {
        resource,
        evidence: { endpointUrl },
      }),
    );
  else
    findings.push(
      problem(
        "dce.endpoint",
        "critical",
        `The DCE's logs-ingestion URI changed: it is ${liveEndpoint}, Keeper posts to ${e.dceUri}.`,
        {
          resource,
          evidence: { expected: e.dceUri, actual: liveEndpoint, changed: ["logsIngestion.endpoint"], endpointUrl },
          remediation: `In the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs) set the Endpoint URL to ${endpointUrl}, then set KEEPER_DCE_URI=${liveEndpoint}.`,
          cause: { kind: "dce-endpoint-changed", expected: e.dceUri, actual: liveEndpoint },
        },
      ),
    );
  return findings;
}

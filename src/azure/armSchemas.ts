import { z } from "zod";
import { MalformedReplyError } from "./errors.js";

/**
 * The documented shapes of the ARM reply bodies the monitor reads, checked before the SDK's
 * deserialised object is mapped: the SDK passes whatever came (a missing `properties` becomes an
 * object without fields, a string `streamDeclarations` is kept as a string), which would otherwise
 * read as a DCR whose stream, data flow and endpoint were removed. Only fields the monitor reads are
 * checked; everything else may take any shape. Optional fields may be absent or null.
 *
 * Sources: azure-rest-api-specs
 * specification/monitor/resource-manager/Microsoft.Insights/stable/2023-03-11/dataCollectionRules_API.json
 * (DataCollectionRuleResource, DataCollectionEndpointResource) and
 * specification/operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2022-10-01
 * (Workspace, Table).
 */
const optStr = z.string().nullish();
const strList = z.array(z.string()).nullish();
const columns = z.array(z.object({ name: z.string(), type: z.string() })).nullish();
const armResource = { id: z.string().min(1), name: z.string().min(1) };

export const dcrBody = z.object({
  ...armResource,
  properties: z.object({
    immutableId: optStr,
    dataCollectionEndpointId: optStr,
    provisioningState: optStr,
    streamDeclarations: z.record(z.string(), z.object({ columns })).nullish(),
    destinations: z
      .object({ logAnalytics: z.array(z.object({ name: optStr, workspaceResourceId: optStr })).nullish() })
      .nullish(),
    dataFlows: z
      .array(z.object({ streams: strList, destinations: strList, transformKql: optStr, outputStream: optStr }))
      .nullish(),
    endpoints: z.object({ logsIngestion: optStr }).nullish(),
  }),
});

export const dceBody = z.object({
  ...armResource,
  properties: z.object({
    provisioningState: optStr,
    logsIngestion: z.object({ endpoint: optStr }).nullish(),
    networkAcls: z.object({ publicNetworkAccess: optStr }).nullish(),
  }),
});

export const workspaceBody = z.object({
  ...armResource,
  properties: z.object({ customerId: z.string().min(1), provisioningState: optStr }),
});

export const tableBody = z.object({
  name: z.string().min(1),
  properties: z.object({
    plan: optStr,
    provisioningState: optStr,
    schema: z.object({ name: optStr, columns, standardColumns: columns }).nullish(),
  }),
});

/** Throws MalformedReplyError naming the first field that does not fit `schema`. */
export function checkBody(schema: z.ZodType, body: unknown, what: string): void {
  const r = schema.safeParse(body);
  if (r.success) return;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length ? issue.path.map(String).join(".") : "body";
  throw new MalformedReplyError(`${what}: ${field} is not as documented (${issue?.message ?? "wrong shape"})`);
}

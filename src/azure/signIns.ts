import { LogsQueryClient, LogsQueryResultStatus } from "@azure/monitor-query-logs";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "./callContext.js";
import { MalformedReplyError, observeError } from "./errors.js";
import type { SignInSummary } from "../rotation/model.js";
import { StepFailure } from "../rotation/ports.js";

/** Long enough to cover a rotation's wait (the old secret is due 30 days before expiry). */
export const SIGNIN_WINDOW = "P30D";

/** One aggregated row per credential, successful sign-ins only. appId is a validated GUID. */
export function signInQuery(appId: string): string {
  return `AADServicePrincipalSignInLogs | where AppId == "${appId}" and ResultType == "0" | summarize LastSeen = max(TimeGenerated), SignIns = count() by ServicePrincipalCredentialKeyId`;
}

export function toSignIns(columns: readonly string[], rows: readonly unknown[][]): SignInSummary[] {
  const iKey = columns.indexOf("ServicePrincipalCredentialKeyId");
  const iLast = columns.indexOf("LastSeen");
  const iCount = columns.indexOf("SignIns");
  if (iKey < 0 || iLast < 0 || iCount < 0) throw new MalformedReplyError("sign-in query result lacks its columns");
  return rows
    .filter((r) => typeof r[iKey] === "string" && r[iKey] !== "")
    .map((r) => {
      const last = r[iLast];
      const lastSeen = last instanceof Date ? last : new Date(String(last));
      const count = Number(r[iCount]);
      if (Number.isNaN(lastSeen.getTime()) || !Number.isFinite(count))
        throw new MalformedReplyError("sign-in row has a bad LastSeen or SignIns");
      return { keyId: String(r[iKey]).toLowerCase(), lastSeen, count };
    });
}

/** Cut-over evidence: which of the Keeper app's secrets sign in, and when last. */
export class SignInReader {
  private readonly client: LogsQueryClient;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.client = new LogsQueryClient(credential, {
      endpoint: `${cloud.logAnalyticsEndpoint}/v1`,
      credentials: { scopes: [`${cloud.audiences.logAnalytics}/.default`] },
      retryOptions: READ_RETRY_OPTIONS,
    });
  }

  async byCredential(customerId: string, appId: string, ctx: CallContext): Promise<SignInSummary[]> {
    try {
      const result = await this.client.queryWorkspace(
        customerId,
        signInQuery(appId),
        { duration: SIGNIN_WINDOW },
        { abortSignal: callSignal(ctx), serverTimeoutInSeconds: Math.max(1, Math.floor(ctx.callTimeoutMs / 1000)) },
      );
      if (result.status !== LogsQueryResultStatus.Success)
        throw new StepFailure("unknown", `the sign-in query returned a partial result`);
      const table = result.tables[0];
      if (!table) throw new MalformedReplyError("query result has no table");
      return toSignIns(
        table.columnDescriptors.map((c) => c.name ?? ""),
        table.rows as unknown[][],
      );
    } catch (e) {
      if (e instanceof StepFailure) throw e;
      const o = observeError(
        e,
        {
          action: "query AADServicePrincipalSignInLogs",
          permission: "Log Analytics Reader on the Sentinel workspace (and Entra sign-in logs sent to it)",
        },
        ctx.callTimeoutMs,
      );
      throw new StepFailure(
        "unknown",
        o.kind === "unknown" ? o.reason : "AADServicePrincipalSignInLogs is not in the workspace",
        o.kind === "unknown"
          ? o.remediation
          : "Send Entra ID ServicePrincipalSignInLogs to the Sentinel workspace (Entra ID → Diagnostic settings), or confirm cut-overs with POST /api/rotation/confirm.",
      );
    }
  }
}

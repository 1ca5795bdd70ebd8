import type { CallContext } from "../core/callContext.js";
import { MalformedReplyError } from "./errors.js";
import type { LogsAdapter } from "./logs.js";
import type { SignInSummary } from "../rotation/model.js";
import { SourceAbsent, StepFailure } from "../rotation/ports.js";

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
  constructor(private readonly logs: LogsAdapter) {}

  async byCredential(customerId: string, appId: string, ctx: CallContext): Promise<SignInSummary[]> {
    const table = "AADServicePrincipalSignInLogs";
    const o = await this.logs.query(customerId, table, signInQuery(appId), { duration: SIGNIN_WINDOW }, ctx, toSignIns);
    if (o.kind === "found") return o.value;
    if (o.kind === "missing")
      throw new SourceAbsent(
        `${table} is not in the workspace (optional: it needs Entra ID P1/P2 and a diagnostic setting). ` +
          "It would show which secret Keeper signs in with, so a rotation's cut-over is proven instead of confirmed by hand (POST /api/rotation/confirm). " +
          "To enable it: Entra admin center → Monitoring → Diagnostic settings → Add diagnostic setting → ServicePrincipalSignInLogs → Send to the Sentinel Log Analytics workspace.",
      );
    throw new StepFailure("unknown", o.reason, o.remediation);
  }
}

/** Synthesized evidence per injected cause: what Azure would hold while that cause silences Keeper. */
import { ok, problem, type Finding } from "../src/core/finding.js";
import { found, missing } from "../src/core/observation.js";
import type { CauseId, DiagnosisEvidence } from "../src/ingestion/diagnosis.js";

export const INJECTED_CAUSES = [
  "keeper-stopped",
  "secret-expired",
  "role-missing",
  "dcr-changed",
  "daily-cap",
  "throttled",
] as const satisfies readonly CauseId[];
export type InjectedCause = (typeof INJECTED_CAUSES)[number];

/**
 * How the DCR answers Keeper's pushes while the cause lasts (ApiCallReceived_Count's ResponseCode);
 * undefined when no push reaches it (Keeper stopped, or has no token).
 */
export function pushCodeFor(cause: InjectedCause): string | undefined {
  const codes: Record<InjectedCause, string | undefined> = {
    "keeper-stopped": undefined,
    "secret-expired": undefined,
    "role-missing": "403",
    "dcr-changed": "400",
    "daily-cap": "204",
    throttled: "429",
  };
  return codes[cause];
}

const healthyDrift = (): Finding[] =>
  ["app.exists", "app.servicePrincipal", "dcr.exists", "dcr.stream", "role.assignment", "secret.expiry"].map((c) =>
    ok(c, "fine"),
  );
const replace = (fs: Finding[], f: Finding) => [...fs.filter((x) => x.check !== f.check), f];

/** `variant` varies what is visible (e.g. no sign-in table), so ranking must not lean on one source. */
export function evidenceFor(cause: InjectedCause, since: number, now: number, variant: number): DiagnosisEvidence {
  const hours = Math.max(1, Math.round((now - since) / 3_600_000));
  const pushes = hours * 6;
  const signInsOk = found([{ resultType: "0", count: hours, last: now - 600_000 }]);
  const base: DiagnosisEvidence = {
    since,
    drift: found(healthyDrift()),
    calls: found({ byCode: {}, total: 0 }),
    signIns: variant % 2 ? missing() : found([]),
    dcrErrors: variant % 3 === 2 ? missing() : found([]),
    dailyCap: found([]),
  };
  switch (cause) {
    case "keeper-stopped":
      return base;
    case "secret-expired":
      return {
        ...base,
        drift: found(
          replace(
            healthyDrift(),
            problem(
              "secret.expiry",
              "critical",
              "Every client secret of the Keeper app has expired (1): Keeper cannot sign in.",
              { cause: { kind: "no-valid-secret", credentials: 1, lastExpiredOn: new Date(since).toISOString() } },
            ),
          ),
        ),
        signIns: variant % 2 ? missing() : found([{ resultType: "7000222", count: hours, last: now - 300_000 }]),
      };
    case "role-missing":
      return {
        ...base,
        drift: found(
          replace(
            healthyDrift(),
            problem("role.assignment", "critical", "No Monitoring Metrics Publisher.", {
              cause: { kind: "role-missing", scope: "dcr", principalId: "keeper-sp", held: [] },
            }),
          ),
        ),
        calls: found({ byCode: { "403": pushes }, total: pushes }),
        signIns: variant % 2 ? missing() : signInsOk,
      };
    case "dcr-changed":
      return {
        ...base,
        drift: found(
          replace(
            healthyDrift(),
            problem("dcr.stream", "critical", "The DCR no longer declares stream X.", {
              cause: { kind: "dcr-stream-changed", stream: "X", changed: ["streamDeclarations"] },
            }),
          ),
        ),
        calls: found({ byCode: { "400": pushes }, total: pushes }),
        signIns: variant % 2 ? missing() : signInsOk,
        dcrErrors:
          variant % 3 === 2
            ? missing()
            : found([{ operation: "Ingestion", count: pushes, last: now, message: "InvalidStream" }]),
      };
    case "daily-cap":
      return {
        ...base,
        calls: found({ byCode: { "204": pushes }, total: pushes }),
        signIns: variant % 2 ? missing() : signInsOk,
        dailyCap: found([{ count: 1, last: since, detail: "Ingestion status = OverQuota" }]),
      };
    case "throttled":
      return {
        ...base,
        calls: found({ byCode: { "429": pushes - hours, "503": hours }, total: pushes }),
        signIns: variant % 2 ? missing() : signInsOk,
      };
  }
}

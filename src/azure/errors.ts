import { notKnown, missing, type Observation } from "../core/observation.js";
import { visible } from "../core/safeText.js";
import type { CallContext } from "../core/callContext.js";
import { statusOf } from "../core/httpStatus.js";

/** A reply that did not have the shape the API documents. */
export class MalformedReplyError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`malformed reply: ${what}`, options);
    this.name = "MalformedReplyError";
  }
}

/** Error codes that mean "this resource does not exist" (and nothing else). */
const NOT_FOUND_CODES = new Set(
  [
    "ResourceNotFound",
    "ResourceGroupNotFound",
    "ParentResourceNotFound",
    "NotFound",
    "WorkspaceNotFound",
    "TableNotFound",
    "Request_ResourceNotFound",
    "SecretNotFound",
    "SubscriptionNotFound",
  ].map((c) => c.toLowerCase()),
);

/** Azure error codes are short identifiers; the text of one is Azure-side, so it is bounded. */
const MAX_CODE = 100;

/** The `error.code` of an Azure error body, wherever the SDK put it (bounded, shown visibly). */
export function errorCode(e: unknown): string | undefined {
  const c = rawErrorCode(e);
  return c === undefined ? undefined : visible(c, MAX_CODE);
}

function rawErrorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const err = e as { code?: unknown; details?: unknown; response?: { bodyAsText?: string | null } };
  const fromDetails = (d: unknown): string | undefined => {
    if (typeof d !== "object" || d === null) return undefined;
    const inner = (d as { error?: { code?: unknown }; code?: unknown }).error?.code ?? (d as { code?: unknown }).code;
    return typeof inner === "string" ? inner : undefined;
  };
  const body = err.response?.bodyAsText;
  if (typeof body === "string" && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body);
      const c = fromDetails(parsed);
      if (c) return c;
    } catch {
      // not JSON: fall through
    }
  }
  return fromDetails(err.details) ?? (typeof err.code === "string" ? err.code : undefined);
}

export { statusOf };

export function isNotFound(e: unknown): boolean {
  if (statusOf(e) !== 404) return false;
  const code = errorCode(e);
  return code !== undefined && NOT_FOUND_CODES.has(code.toLowerCase());
}

function isAbort(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "AbortError" || name === "TimeoutError";
}

function isCredentialError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return (
    name === "AuthenticationError" ||
    name === "CredentialUnavailableError" ||
    name === "AuthenticationRequiredError" ||
    name === "AggregateAuthenticationError"
  );
}

/** First line of a message, with anything that looks like a token or key removed. */
export function safeMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const first =
    msg
      .slice(0, 20_000)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "";
  return visible(
    first
      .replace(/eyJ[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]*){0,2}/g, "<token>")
      .replace(/([?&]sig=)[^&\s]+/gi, "$1<redacted>"),
    300,
  );
}

/** The fix a credential error names itself (a sign-in to another tenant: which setting or consent is missing). */
function remediationOf(e: unknown): string | undefined {
  const r = (e as { remediation?: unknown } | null)?.remediation;
  return typeof r === "string" ? visible(r, 1000) : undefined;
}

export interface Access {
  /** What the monitor was doing, e.g. "read the DCR". */
  action: string;
  /** The permission that allows it and where, e.g. "Monitoring Reader on <id>". */
  permission: string;
}

/**
 * Maps a failed call to an observation. Only a 404 whose body says "not found" is "missing";
 * everything else (401/403/429/5xx, timeouts, malformed replies, token failures) is unknown.
 */
export function observeError<T>(e: unknown, access: Access, ctx: CallContext): Observation<T> {
  if (isNotFound(e)) return missing();
  const status = statusOf(e);
  if (status === 403)
    return notKnown(
      `the monitor's identity may not ${access.action} (403 ${errorCode(e) ?? "Forbidden"})`,
      `Grant the monitor's identity ${access.permission}.`,
    );
  if (status === 401)
    return notKnown(
      `the service refused the monitor's token while trying to ${access.action} (401)`,
      "Check the monitor's identity (AZURE_CLIENT_ID / managed identity) belongs to the right tenant.",
    );
  if (status === 404)
    return notKnown(`could not ${access.action}: 404 without a not-found error code (${errorCode(e) ?? "no code"})`);
  if (status === 429) return notKnown(`throttled (429) while trying to ${access.action}; retried until the timeout`);
  if (status !== undefined && status >= 500)
    return notKnown(`service error ${status} while trying to ${access.action}`);
  if (status !== undefined)
    return notKnown(`unexpected ${status} (${errorCode(e) ?? "no code"}) while trying to ${access.action}`);
  if (isAbort(e))
    // the run's budget and the call's own timeout abort the same way: say which one ran out
    return notKnown(
      ctx.budget.aborted
        ? `the run's time budget (RUN_BUDGET_SECONDS) ran out while trying to ${access.action}`
        : `timed out after ${Math.round(ctx.callTimeoutMs / 1000)} s while trying to ${access.action}`,
    );
  if (isCredentialError(e))
    return notKnown(
      `could not get a token to ${access.action}: ${safeMessage(e)}`,
      remediationOf(e) ??
        "Check the monitor's identity: managed identity assigned, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or az login.",
    );
  if (e instanceof MalformedReplyError || e instanceof SyntaxError || errorCode(e) === "PARSE_ERROR")
    return notKnown(`malformed reply while trying to ${access.action}: ${safeMessage(e)}`);
  return notKnown(`could not ${access.action}: ${safeMessage(e)}`);
}

/**
 * Time limits of outbound calls: each call gets its own timeout (retries included), and all of
 * them share the run's budget.
 */
export interface CallContext {
  callTimeoutMs: number;
  /** Aborted when the run's budget is spent. */
  budget: AbortSignal;
}

export function callSignal(ctx: CallContext): AbortSignal {
  return AbortSignal.any([ctx.budget, AbortSignal.timeout(ctx.callTimeoutMs)]);
}

/** Retries for reads: a few, short, and never beyond the call's timeout (the signal ends them). */
export const READ_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 400, maxRetryDelayInMs: 5_000 } as const;

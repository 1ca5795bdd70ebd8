/**
 * Time limits of outbound calls: each call gets its own timeout (retries included), and all of
 * them share the run's budget.
 */
export interface CallContext {
  callTimeoutMs: number;
  /** Aborted when the run's budget is spent. */
  budget: AbortSignal;
}

/**
 * A signal that aborts with a TimeoutError after `ms`. Not `AbortSignal.timeout()`: Node's timer
 * holds that signal only weakly, and inside `AbortSignal.any()` nothing else holds it, so a garbage
 * collection before the deadline loses the timeout (nodejs/node#57736) and a hung call runs on
 * until the run's budget, or for ever when the budget was lost the same way. Here the timer holds
 * the controller. It is unref'd: a finished CLI run exits without waiting for it.
 */
export function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`The operation timed out after ${ms} ms.`, "TimeoutError")),
    ms,
  );
  timer.unref();
  return controller.signal;
}

export function callSignal(ctx: CallContext): AbortSignal {
  return AbortSignal.any([ctx.budget, deadline(ctx.callTimeoutMs)]);
}

/** Retries for reads: a few, short, and never beyond the call's timeout (the signal ends them). */
export const READ_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 400, maxRetryDelayInMs: 5_000 } as const;

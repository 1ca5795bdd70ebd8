import type { Config } from "../config/loadConfig.js";
import { deadline, type CallContext } from "../core/callContext.js";

/** One run's time limits: each call's timeout (CALL_TIMEOUT_SECONDS) and the run's budget (RUN_BUDGET_SECONDS). */
export function runContext(config: Pick<Config, "callTimeoutMs" | "runBudgetMs">): CallContext {
  return { callTimeoutMs: config.callTimeoutMs, budget: deadline(config.runBudgetMs) };
}

import { describe, expect, it } from "vitest";
import { untilAborted } from "../../src/azure/logs.js";

// Found by the simulation (seed 2): LogsQueryClient drops `abortSignal`, so one hung Log Analytics
// query hung the whole ingestion watch past CALL_TIMEOUT_SECONDS and RUN_BUDGET_SECONDS.
describe("untilAborted (the Log Analytics call's own time limit)", () => {
  it("ends a call that never answers when its signal times out", async () => {
    const never = new Promise<string>(() => {});
    await expect(untilAborted(never, AbortSignal.timeout(50))).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("passes a result or an error through unchanged", async () => {
    await expect(untilAborted(Promise.resolve("rows"), AbortSignal.timeout(1_000))).resolves.toBe("rows");
    await expect(untilAborted(Promise.reject(new Error("400")), AbortSignal.timeout(1_000))).rejects.toThrow("400");
  });

  it("rejects at once when the run's budget is already spent", async () => {
    const c = new AbortController();
    c.abort();
    await expect(untilAborted(Promise.resolve(1), c.signal)).rejects.toMatchObject({ name: "AbortError" });
  });
});

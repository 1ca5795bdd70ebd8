import v8 from "node:v8";
import vm from "node:vm";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { callSignal, deadline } from "../../src/core/callContext.js";

// A garbage collection on demand, as a busy Function App would run one while a call hangs.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `signal` aborts within `waitMs` although a garbage collection ran before its deadline. */
async function abortsDespiteGc(signal: AbortSignal, waitMs: number): Promise<{ aborted: boolean; reason?: string }> {
  let heard = false;
  signal.addEventListener("abort", () => (heard = true), { once: true });
  gc();
  await sleep(10);
  gc();
  await sleep(waitMs);
  return { aborted: heard && signal.aborted, reason: (signal.reason as { name?: string } | undefined)?.name };
}

describe("call time limits survive a garbage collection (nodejs/node#57736)", () => {
  it("a call's own timeout fires inside the run's budget", async () => {
    const budget = deadline(60_000);
    expect(await abortsDespiteGc(callSignal({ budget, callTimeoutMs: 50 }), 200)).toEqual({
      aborted: true,
      reason: "TimeoutError",
    });
  });

  it("the run's budget fires for a call with a longer timeout", async () => {
    expect(await abortsDespiteGc(callSignal({ budget: deadline(50), callTimeoutMs: 60_000 }), 200)).toEqual({
      aborted: true,
      reason: "TimeoutError",
    });
  });

  it("does not fire early", async () => {
    const s = deadline(300);
    await sleep(100);
    expect(s.aborted).toBe(false);
  });

  it("does not keep a finished process (the CLI) alive until the deadline", () => {
    const script = `import { deadline } from ${JSON.stringify(new URL("../../src/core/callContext.ts", import.meta.url).href)};
      deadline(600_000); console.log("done");`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect({ signal: r.signal, status: r.status, out: r.stdout.trim() }).toEqual({
      signal: null,
      status: 0,
      out: "done",
    });
  });
});

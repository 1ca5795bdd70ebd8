import { describe, expect, it } from "vitest";
import { customerIdOnce } from "../../src/azure/customerId.js";
import { parseArmId } from "../../src/core/armId.js";
import { found, missing, notKnown, type Observation } from "../../src/core/observation.js";
import type { Workspace } from "../../src/connector/types.js";

const WS = parseArmId(
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law",
)!;
const ctx = { callTimeoutMs: 1000, budget: new AbortController().signal };

/** An ARM reader that answers the given replies in turn and counts the reads. */
function arm(...replies: Array<Observation<Workspace>>) {
  const a = {
    reads: 0,
    getWorkspace: () => Promise.resolve(replies[Math.min(a.reads++, replies.length - 1)]!),
  };
  return a;
}

describe("customerIdOnce", () => {
  it("reads the workspace once and answers every later run from memory", async () => {
    const a = arm(found({ id: WS.id, name: "law", customerId: "c0c0" }));
    const lookup = customerIdOnce(a, WS);
    expect(await lookup(ctx)).toEqual(found("c0c0"));
    expect(await lookup(ctx)).toEqual(found("c0c0"));
    expect(a.reads).toBe(1);
  });

  it("keeps no failure: an unknown or missing workspace is asked again by the next run", async () => {
    const a = arm(
      notKnown("403 AuthorizationFailed"),
      missing(),
      found({ id: WS.id, name: "law", customerId: "c0c0" }),
    );
    const lookup = customerIdOnce(a, WS);
    expect(await lookup(ctx)).toEqual(notKnown("403 AuthorizationFailed"));
    expect(await lookup(ctx)).toEqual(missing());
    expect(await lookup(ctx)).toEqual(found("c0c0"));
    expect(await lookup(ctx)).toEqual(found("c0c0"));
    expect(a.reads).toBe(3);
  });
});

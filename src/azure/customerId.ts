import type { ArmId } from "../core/armId.js";
import type { CallContext } from "../core/callContext.js";
import { missing, type Observation } from "../core/observation.js";
import type { ArmAdapter } from "./arm.js";

/** The workspace's customer id (the query API's address), for one run's time limits. */
export type CustomerIdLookup = (ctx: CallContext) => Promise<Observation<string>>;

/**
 * Reads the workspace's customer id from ARM once per process and keeps it: it never changes for a
 * workspace. A failed read is not kept, so the next run asks again.
 */
export function customerIdOnce(arm: Pick<ArmAdapter, "getWorkspace">, workspace: ArmId): CustomerIdLookup {
  let value: string | undefined;
  return async (ctx) => {
    if (value) return { kind: "found", value };
    const ws = await arm.getWorkspace(workspace, ctx);
    if (ws.kind !== "found") return ws.kind === "missing" ? missing() : ws;
    value = ws.value.customerId;
    return { kind: "found", value };
  };
}

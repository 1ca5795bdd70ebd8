import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { describe, expect, inject, it } from "vitest";
import { TargetLeases } from "../../src/azure/leases.js";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { storageOf } from "../../src/config/storage.js";
import { createTextQueue } from "../../src/azure/queueStorage.js";

const noCredential: TokenCredential = {
  getToken: () => Promise.reject(new Error("no token needed for a connection string")),
};

function leases(holder: string, now: () => Date, ttlMs = 60_000): TargetLeases {
  const client = createTableClient(
    { kind: "connectionString", connectionString: inject("tablesConnection") },
    noCredential,
    "leasetest",
  );
  return new TargetLeases(client, holder, now, ttlMs);
}

describe("per-target leases in Table storage (Azurite)", () => {
  it("one holder at a time; a lease runs out on its own; a completed tick is not run again", async () => {
    let t = Date.parse("2026-12-01T00:00:00Z");
    const now = () => new Date(t);
    const target = `t-${randomUUID().slice(0, 8)}`;
    const a = leases("a", now);
    const b = leases("b", now);
    const tick1 = "2026-12-01T00:00:00.000Z";
    const got = await a.acquire(target, "driftCheck", tick1);
    expect(got.kind).toBe("acquired");
    expect((await b.acquire(target, "driftCheck", tick1)).kind).toBe("held");
    // another check of the same target is its own lease
    expect((await b.acquire(target, "ingestionWatch", tick1)).kind).toBe("acquired");
    // a holder that never releases (crashed): after the lease's time, another takes it
    t += 61_000;
    const taken = await b.acquire(target, "driftCheck", tick1);
    expect(taken.kind).toBe("acquired");
    // the first holder's late release does not undo the second one's lease
    if (got.kind === "acquired") await got.release(true);
    expect((await a.acquire(target, "driftCheck", tick1)).kind).toBe("held");
    if (taken.kind === "acquired") await taken.release(true);
    expect((await a.acquire(target, "driftCheck", tick1)).kind).toBe("done");
    expect(await a.doneTick(target, "driftCheck")).toBe(tick1);
    // a failed run leaves the tick open for the host's next try
    const tick2 = "2026-12-01T00:05:00.000Z";
    const run2 = await a.acquire(target, "driftCheck", tick2);
    if (run2.kind !== "acquired") throw new Error(run2.kind);
    await run2.release(false);
    expect((await b.acquire(target, "driftCheck", tick2)).kind).toBe("acquired");
  });
});

describe("the check queue's storage settings", () => {
  it("uses Azurite's Queue service when the connection string names it, and none when it names only tables", () => {
    const cs = inject("tablesConnection");
    expect(createTextQueue(storageOf({ AzureWebJobsStorage: cs })!, undefined, "q")).toBeDefined();
    const tablesOnly = cs.replace(/QueueEndpoint=[^;]+;?/, "");
    expect(createTextQueue(storageOf({ AzureWebJobsStorage: tablesOnly })!, undefined, "q")).toBeUndefined();
  });

  it("identity-based: the queue URI is its own setting, else from the account name or the table URI", () => {
    expect(storageOf({ AzureWebJobsStorage__accountName: "keepermon" })).toEqual({
      kind: "identity",
      tableServiceUri: "https://keepermon.table.core.windows.net",
      queueServiceUri: "https://keepermon.queue.core.windows.net",
    });
    expect(
      storageOf({ AzureWebJobsStorage__tableServiceUri: "https://acct.table.core.usgovcloudapi.net" }),
    ).toMatchObject({ queueServiceUri: "https://acct.queue.core.usgovcloudapi.net" });
    expect(
      storageOf({
        AzureWebJobsStorage__tableServiceUri: "https://tables.contoso.example",
        AzureWebJobsStorage__queueServiceUri: "https://queues.contoso.example",
      }),
    ).toMatchObject({ queueServiceUri: "https://queues.contoso.example" });
    expect(storageOf({ AzureWebJobsStorage__tableServiceUri: "https://tables.contoso.example" })).not.toHaveProperty(
      "queueServiceUri",
    );
    expect(
      storageOf({
        AzureWebJobsStorage__accountName: "keepermon",
        AzureWebJobsStorage__queueServiceUri: "http://queues.contoso.example",
      }),
    ).toBeUndefined();
  });
});

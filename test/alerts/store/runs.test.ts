/** Stored runs against Azurite: the latest run per source; an older run finishing late never replaces a newer one. */
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/core/notifier.js";
import { bad, good, huge, MAX_PROPERTY_CHARS, setup, T0 } from "./fixtures.js";

const run = (source: RunRecord["source"], min: number, findings = [good()]): RunRecord => {
  const at = new Date(T0 + min * 60_000).toISOString();
  return { source, startedAt: at, finishedAt: at, findings };
};

describe("stored runs", () => {
  it("keeps the latest run of each source, sorted by source; a late older run is ignored", async () => {
    const { store } = setup();
    await store.runs.save(run("ingestion", 0));
    await store.runs.save(run("drift", 10, [bad()]));
    await store.runs.save(run("drift", 5));
    const runs = await store.runs.latest();
    expect(runs.map((r) => `${r.source} ${r.startedAt}`)).toEqual([
      `drift ${new Date(T0 + 10 * 60_000).toISOString()}`,
      `ingestion ${new Date(T0).toISOString()}`,
    ]);
    expect(runs[0]!.findings.map((f) => f.status)).toEqual(["problem"]);
  });

  it("stores ids, statuses, summaries and times only, bounded; an unreadable row is skipped and counted", async () => {
    const { store, client, warnings } = setup();
    await store.runs.save(run("drift", 0, [bad(huge(100_000))]));
    const [stored] = await store.runs.latest();
    expect(stored!.findings[0]).toEqual({
      check: "dcr.dataFlow",
      status: "problem",
      severity: "critical",
      summary: huge(100_000).slice(0, 500),
      resource: expect.stringContaining("dataCollectionRules") as unknown,
    });
    const e = await client.getEntity<{ json: string }>("runs", "drift");
    expect(e.json.length).toBeLessThanOrEqual(MAX_PROPERTY_CHARS);
    await client.createEntity({ partitionKey: "runs", rowKey: "ingestion", startedAt: "x", json: "{" });
    expect((await store.runs.latest()).map((r) => r.source)).toEqual(["drift"]);
    expect(store.unreadableRows).toBe(1);
    expect(warnings.some((w) => w.includes('"kind":"run"'))).toBe(true);
  });
});

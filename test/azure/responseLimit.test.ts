/**
 * Reply bodies are read up to a limit (16 MB), against the emulator with real SDK clients: a
 * reply over it is refused while it streams in and becomes `unknown`, not a crash or a 1 GB heap.
 */
import { describe, expect, it } from "vitest";
import { connectorReader } from "../../src/azure/connectorReader.js";
import { createAdapters } from "../../src/app/clients.js";
import { MAX_REPLY_BYTES } from "../../src/azure/responseLimit.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { monitorCredential, useHealthyEmulator } from "../emulator/helpers.js";

const emu = useHealthyEmulator();

function reader() {
  const config = loadConfig({ CALL_TIMEOUT_SECONDS: "20", RUN_BUDGET_SECONDS: "60", ...emu().settings });
  const ctx = { callTimeoutMs: 20_000, budget: new AbortController().signal };
  return connectorReader(createAdapters(config, monitorCredential(emu())), config, ctx);
}

const OVER = MAX_REPLY_BYTES + 8 * 1024 * 1024;

describe("reply size limit against the emulator", () => {
  it("a normal DCR and app still read", async () => {
    const r = reader();
    expect((await r.getDcr()).kind).toBe("found");
    expect((await r.getApplication()).kind).toBe("found");
  });

  it.each([
    ["arm", /dataCollectionRules/i, (r: ReturnType<typeof reader>) => r.getDcr()],
    ["graph", /applications/i, (r: ReturnType<typeof reader>) => r.getApplication()],
  ] as const)("an oversize %s reply is unknown, naming the limit", async (service, path, read) => {
    emu().faults.add({ service, path, oversizeBytes: OVER, times: 1 });
    const heapBefore = process.memoryUsage().heapUsed;
    const o = await read(reader());
    expect(o).toMatchObject({ kind: "unknown" });
    expect(JSON.stringify(o)).toMatch(/reply larger than 16 MB/);
    // Read at most the limit: far less than the reply held as text and parsed.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(3 * MAX_REPLY_BYTES);
    // The next call reads as usual.
    expect((await read(reader())).kind).toBe("found");
  });
});

import { describe, expect, it } from "vitest";
import { ids } from "../../emulator/index.js";
import { GraphWriter } from "../../src/azure/graphWrite.js";
import { createCredential } from "../../src/azure/credential.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { deadline } from "../../src/core/callContext.js";
import { StepFailure } from "../../src/rotation/ports.js";
import { sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();

const writer = () => {
  const config = loadConfig(emulator().settings);
  return new GraphWriter(createCredential(config), config.cloud);
};
const ctx = () => ({ callTimeoutMs: 4000, budget: deadline(20_000) });
const keeperKeys = () =>
  emulator()
    .state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!
    .passwordCredentials.map((c) => c.keyId);

describe("removePassword: Graph documents only 204, so a 4xx is decided by reading the app again", () => {
  it("a key already gone is done, whichever 4xx Graph answers", async () => {
    const w = writer();
    await w.removePassword(ids.KEEPER_APP_OBJECT_ID, ids.KEEPER_SECRET_KEY_ID, ctx());
    expect(keeperKeys()).not.toContain(ids.KEEPER_SECRET_KEY_ID);
    // the emulator answers 404 for a key already gone; Azure may answer otherwise
    await expect(w.removePassword(ids.KEEPER_APP_OBJECT_ID, ids.KEEPER_SECRET_KEY_ID, ctx())).resolves.toBeUndefined();
    emulator().faults.add({ service: "graph", method: "POST", path: /removePassword$/, status: 400, times: 1 });
    await expect(w.removePassword(ids.KEEPER_APP_OBJECT_ID, ids.KEEPER_SECRET_KEY_ID, ctx())).resolves.toBeUndefined();
  });

  it("a key still on the app after a 4xx is an error, 404 included", async () => {
    for (const status of [400, 404, 409]) {
      emulator().faults.add({ service: "graph", method: "POST", path: /removePassword$/, status, times: 1 });
      const err = await writer()
        .removePassword(ids.KEEPER_APP_OBJECT_ID, ids.KEEPER_SECRET_KEY_ID, ctx())
        .catch((e: unknown) => e);
      expect(err, String(status)).toBeInstanceOf(StepFailure);
      expect(keeperKeys()).toContain(ids.KEEPER_SECRET_KEY_ID);
    }
  });
});

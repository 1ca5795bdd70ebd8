/**
 * The rotation steps driven one by one with plain-object ports: what each writes and does, in
 * which order, and what a step that fails part-way leaves recorded.
 */
import { describe, expect, it } from "vitest";
import type { Notice } from "../../src/core/notifier.js";
import type { RotationState } from "../../src/rotation/model.js";
import { StepFailure, type RotationPorts } from "../../src/rotation/ports.js";
import { addPassword, retire, save, settle, type RunState, type StepPorts } from "../../src/rotation/runner.js";
import { ConflictError, type LoadedState, type RotationStore } from "../../src/rotation/stateStore.js";

const NOW = new Date("2026-03-02T09:00:00Z");
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function world(overrides: Partial<RotationPorts> = {}, storeOverrides: Partial<RotationStore> = {}) {
  const calls: string[] = [];
  const saved: RotationState[] = [];
  let n = 0;
  const call =
    <T>(name: string, value: T) =>
    (...args: unknown[]) => {
      calls.push(`${name}(${args.filter((a) => typeof a === "string").join(",")})`);
      return Promise.resolve(value);
    };
  const ports: RotationPorts = {
    readApp: call("readApp", { objectId: "obj", credentials: [] }),
    readPolicy: call("readPolicy", { readable: true, additionBlocked: false }),
    addPassword: call("addPassword", { keyId: "new-key", secretText: "value", endDateTime: NOW }),
    removePassword: call("removePassword", undefined),
    listVault: call("listVault", []),
    writeVault: call("writeVault", "v2"),
    readVault: call("readVault", "value"),
    disableVault: call("disableVault", undefined),
    probe: call("probe", { kind: "ok" as const }),
    signIns: call("signIns", []),
    ...overrides,
  };
  const store: RotationStore = {
    load: () => Promise.resolve<LoadedState>({ state: saved.at(-1)!, etag: `e${n}` }),
    save: (s) => {
      saved.push(s);
      calls.push(`save(${s.stage})`);
      return Promise.resolve(`e${++n}`);
    },
    acquireLease: () => Promise.resolve(true),
    releaseLease: () => Promise.resolve(),
    ...storeOverrides,
  };
  const notices: Notice[] = [];
  const io: StepPorts = {
    ports,
    store,
    notifier: {
      notify: (x) => {
        notices.push(x);
        return Promise.resolve();
      },
    },
    target: {
      tenantId: "t",
      appId: "a",
      vaultUri: "https://v",
      secretName: "s",
      endpointUrl: "https://e",
      portalUrl: "https://p",
    },
    clock: () => NOW,
    log: quiet,
  };
  const run: RunState = {
    state: { stage: "adding", since: NOW.toISOString(), rotationId: "r1", oldKeyId: "old-key" },
    etag: "e0",
    app: { objectId: "obj", credentials: [] },
    vault: [],
    steps: [],
  };
  return { io, run, calls, saved, notices };
}

describe("rotation steps", () => {
  it("addPassword: adds, records the key, writes the vault, records the version, then reads again", async () => {
    const { io, run, calls } = world();
    await expect(addPassword(run, { kind: "addPassword", displayName: "d", endDateTime: NOW }, io)).resolves.toBe(
      "next",
    );
    expect(calls).toEqual([
      "addPassword(obj,d)",
      "save(adding)",
      "writeVault(value)",
      "save(proving)",
      "readApp()",
      "listVault()",
    ]);
    expect(run.steps).toEqual(["addPassword", "recordNewKey", "writeVault", "recordStored"]);
    expect(run.state).toMatchObject({ stage: "proving", newKeyId: "new-key", newVersion: "v2" });
    expect(run.etag).toBe("e2");
  });

  it("addPassword: a failed vault write takes the credential back, and the run holds the key it recorded", async () => {
    const failed = new StepFailure("unknown", "Key Vault 500");
    const { io, run, calls } = world({ writeVault: () => Promise.reject(failed) });
    await expect(addPassword(run, { kind: "addPassword", displayName: "d", endDateTime: NOW }, io)).rejects.toBe(
      failed,
    );
    expect(calls).toEqual(["addPassword(obj,d)", "save(adding)", "removePassword(obj,new-key)"]);
    expect(run.steps).toEqual(["addPassword", "recordNewKey"]);
    expect(run.state).toMatchObject({ stage: "adding", newKeyId: "new-key" });
    expect(run.etag).toBe("e1");
  });

  it("addPassword: an ambiguous failure says the next run reconciles first", async () => {
    const { io, run } = world({
      addPassword: () => Promise.reject(new StepFailure("unknown", "timeout", undefined, true)),
    });
    await expect(addPassword(run, { kind: "addPassword", displayName: "d", endDateTime: NOW }, io)).rejects.toThrow(
      /the next run reconciles before adding again/,
    );
    expect(run.steps).toEqual([]);
  });

  it("retire: vault versions are disabled before the old credential is removed", async () => {
    const { io, run, calls } = world();
    run.state = { ...run.state, stage: "retiring" };
    await retire(run, { kind: "retire", removeKeyId: "old-key", disableVersions: ["v1", "v0"] }, io);
    expect(calls).toEqual([
      "disableVault(v1)",
      "disableVault(v0)",
      "removePassword(obj,old-key)",
      "readApp()",
      "listVault()",
    ]);
    expect(run.steps).toEqual(["disableOld", "disableOld", "removeOld"]);
  });

  it("save keeps a confirmation written meanwhile; a change by another rotation is a conflict", async () => {
    let first = true;
    const confirmed: RotationState = {
      stage: "cutover",
      since: "x",
      rotationId: "r1",
      confirmedBy: "admin@contoso",
      confirmedAt: "y",
    };
    const { io, run } = world(
      {},
      {
        save: () => {
          if (!first) return Promise.resolve("e9");
          first = false;
          return Promise.reject(new ConflictError("state"));
        },
        load: () => Promise.resolve({ state: confirmed, etag: "e8" }),
      },
    );
    run.state = { ...run.state, stage: "cutover" };
    await save(run, { ...run.state, stage: "retiring" }, io);
    expect(run.state).toMatchObject({ stage: "retiring", confirmedBy: "admin@contoso", confirmedAt: "y" });
    expect(run.etag).toBe("e9");

    first = true;
    run.state = { ...run.state, rotationId: "r2" };
    await expect(save(run, { ...run.state, stage: "idle" }, io)).rejects.toBeInstanceOf(ConflictError);
    expect(run.state.stage).toBe("retiring");
  });

  it("settle clears a recorded block or error and stops; with nothing recorded it writes nothing", async () => {
    const { io, run, saved } = world();
    run.state = { ...run.state, stage: "idle", blocked: "policy" };
    await expect(settle(run, io)).resolves.toBe("stop");
    expect(saved.at(-1)?.blocked).toBeUndefined();
    await settle(run, io);
    expect(saved).toHaveLength(1);
  });
});

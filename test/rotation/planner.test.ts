import { describe, expect, it } from "vitest";
import { decide, keeperCredential, type PlanInput, type Step } from "../../src/rotation/planner.js";
import type { AppCredential, RotationState, VaultVersion } from "../../src/rotation/model.js";

const NOW = new Date("2025-03-01T12:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const OLD = "aaaaaaaa-0000-4000-8000-000000000001";
const NEW = "bbbbbbbb-0000-4000-8000-000000000002";
const ORPH = "cccccccc-0000-4000-8000-000000000003";

const cred = (keyId: string, endDays: number, name = "Keeper connector", startDays = -100): AppCredential => ({
  keyId,
  displayName: name,
  startDateTime: at(startDays),
  endDateTime: at(endDays),
});
const version = (v: string, keyId: string, createdDays: number, enabled = true): VaultVersion => ({
  version: v,
  enabled,
  createdOn: at(createdDays),
  tags: { keyId, rotationId: "x" },
});

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    app: { objectId: "obj", credentials: [cred(OLD, 100)] },
    vault: [version("v1", OLD, -100)],
    state: { stage: "idle", since: NOW.toISOString() },
    now: NOW,
    settings: { rotateBeforeDays: 30, lifetimeDays: 180, retireUnmanaged: false, cutoverQuietHours: 24 },
    policy: { readable: true, additionBlocked: false },
    signIns: [],
    newRotationId: "r1",
    ...over,
  };
}

const cutoverState = (over: Partial<RotationState> = {}): RotationState => ({
  stage: "cutover",
  since: at(-1).toISOString(),
  rotationId: "r1",
  oldKeyId: OLD,
  oldEnd: at(20).toISOString(),
  oldManaged: false,
  newKeyId: NEW,
  newVersion: "v2",
  provenAt: at(-1).toISOString(),
  remindersSent: [],
  ...over,
});
const during = (oldEndDays: number) => ({
  app: { objectId: "obj", credentials: [cred(OLD, oldEndDays), cred(NEW, 180, "keeper-monitor:r1", -1)] },
  vault: [version("v1", OLD, -100), version("v2", NEW, -1)],
});

describe("keeperCredential", () => {
  it("is the credential the vault's newest enabled version names", () => {
    const i = input({
      app: { objectId: "o", credentials: [cred(OLD, 100), cred(NEW, 200)] },
      vault: [version("v1", OLD, -10), version("v2", NEW, -20)],
    });
    expect(keeperCredential(i.app, i.vault, NOW)).toMatchObject({ credential: { keyId: OLD }, source: "vault" });
  });
  it("is the newest valid credential when the vault is empty, and says so", () => {
    const i = input({
      app: { objectId: "o", credentials: [cred(OLD, 100), cred(NEW, 200), cred(ORPH, -1)] },
      vault: [],
    });
    expect(keeperCredential(i.app, i.vault, NOW)).toMatchObject({ credential: { keyId: NEW }, source: "newest" });
  });
});

describe("decide", () => {
  it.each<[string, Partial<PlanInput>, Partial<Step>]>([
    ["not due: 100 days left", {}, { kind: "idle" }],
    ["due at 31 days? not yet", { app: { objectId: "o", credentials: [cred(OLD, 31)] } }, { kind: "idle" }],
    [
      "due at 29 days: starts a rotation with the old credential recorded",
      { app: { objectId: "o", credentials: [cred(OLD, 29)] } },
      { kind: "start", rotationId: "r1", old: { keyId: OLD, end: at(29), managed: false, source: "vault" } },
    ],
    [
      "due, policy not read yet: reads it first",
      { app: { objectId: "o", credentials: [cred(OLD, 29)] }, policy: undefined },
      { kind: "readPolicy" },
    ],
    [
      "due, policy blocks new secrets",
      { app: { objectId: "o", credentials: [cred(OLD, 29)] }, policy: { readable: true, additionBlocked: true } },
      { kind: "blocked" },
    ],
    [
      "policy caps lifetime below the rotation window",
      {
        app: { objectId: "o", credentials: [cred(OLD, 29)] },
        policy: { readable: true, additionBlocked: false, maxLifetimeMs: 20 * DAY },
      },
      { kind: "blocked" },
    ],
    [
      "no valid credential at all: starts without an old one",
      { app: { objectId: "o", credentials: [cred(OLD, -1)] }, vault: [] },
      { kind: "start", rotationId: "r1" },
    ],
    [
      "adding: adds with display name and end date capped by policy",
      {
        state: { stage: "adding", since: NOW.toISOString(), rotationId: "r1", oldKeyId: OLD },
        app: { objectId: "o", credentials: [cred(OLD, 29)] },
        policy: { readable: true, additionBlocked: false, maxLifetimeMs: 90 * DAY },
      },
      { kind: "addPassword", displayName: "keeper-monitor:r1", endDateTime: at(90) },
    ],
    [
      "adding: never a third monitor-created secret",
      {
        state: { stage: "adding", since: NOW.toISOString(), rotationId: "r3", oldKeyId: OLD },
        app: {
          objectId: "o",
          credentials: [cred(OLD, 29, "keeper-monitor:r1"), cred(NEW, 170, "keeper-monitor:r2")],
        },
        vault: [version("v1", OLD, -100), version("v2", NEW, -10)],
      },
      { kind: "wait" },
    ],
    [
      "adding: the credential and its vault copy exist (crash after the vault write): adopt",
      {
        state: { stage: "adding", since: NOW.toISOString(), rotationId: "r1", oldKeyId: OLD },
        ...during(29),
      },
      { kind: "adopt", keyId: NEW, version: "v2" },
    ],
    [
      "adding: a young credential without a vault copy: wait, never add another",
      {
        state: { stage: "adding", since: NOW.toISOString(), rotationId: "r1", oldKeyId: OLD },
        app: { objectId: "o", credentials: [cred(OLD, 29), cred(NEW, 180, "keeper-monitor:r1", -0.001)] },
      },
      { kind: "wait" },
    ],
    [
      "reconcile: a monitor secret with no vault copy older than 10 minutes is removed",
      { app: { objectId: "o", credentials: [cred(OLD, 100), cred(ORPH, 180, "keeper-monitor:rx", -0.01)] } },
      { kind: "removeOrphan", keyId: ORPH },
    ],
    [
      "reconcile: needs sign-ins before calling a value lost",
      {
        app: { objectId: "o", credentials: [cred(OLD, 100), cred(ORPH, 180, "keeper-monitor:rx", -0.01)] },
        signIns: undefined,
      },
      { kind: "readSignIns" },
    ],
    [
      "reconcile: a secret someone signs in with is not lost",
      {
        app: { objectId: "o", credentials: [cred(OLD, 100), cred(ORPH, 180, "keeper-monitor:rx", -0.01)] },
        signIns: [{ keyId: ORPH, lastSeen: at(-0.001), count: 3 }],
      },
      { kind: "idle" },
    ],
    [
      "reconcile: the old credential of the rotation is never an orphan",
      {
        state: cutoverState({ oldManaged: true }),
        app: {
          objectId: "o",
          credentials: [cred(OLD, 20, "keeper-monitor:r0"), cred(NEW, 180, "keeper-monitor:r1", -1)],
        },
        vault: [version("v2", NEW, -1)],
      },
      { kind: "wait" },
    ],
    [
      "reconcile: an enabled vault version whose credential is gone is disabled",
      { vault: [version("v0", ORPH, -200), version("v1", OLD, -100)] },
      { kind: "disableStaleVersion", version: "v0", keyId: ORPH },
    ],
    [
      "proving: probe the stored version",
      { state: cutoverState({ stage: "proving", provenAt: undefined }), ...during(20) },
      { kind: "probe", keyId: NEW, version: "v2" },
    ],
    [
      "proving: the new credential vanished: restart",
      {
        state: cutoverState({ stage: "proving" }),
        app: { objectId: "o", credentials: [cred(OLD, 20)] },
        vault: [version("v1", OLD, -100)],
      },
      { kind: "restart" },
    ],
    ["handoff", { state: cutoverState({ stage: "handoff" }), ...during(20) }, { kind: "handoff" }],
    [
      "cutover: waits while Keeper still uses the old secret",
      {
        state: cutoverState(),
        ...during(20),
        signIns: [{ keyId: OLD, lastSeen: at(-0.01), count: 20 }],
      },
      { kind: "wait" },
    ],
    [
      "cutover: the probe's own sign-in is not Keeper's",
      {
        state: cutoverState(),
        ...during(20),
        signIns: [{ keyId: NEW, lastSeen: at(-1), count: 1 }],
      },
      { kind: "wait" },
    ],
    [
      "cutover: new seen but old not quiet for 24 h",
      {
        state: cutoverState(),
        ...during(20),
        signIns: [
          { keyId: NEW, lastSeen: at(-0.1), count: 5 },
          { keyId: OLD, lastSeen: at(-0.5), count: 20 },
        ],
      },
      { kind: "wait" },
    ],
    [
      "cutover: new seen and old quiet for 24 h",
      {
        state: cutoverState(),
        ...during(20),
        signIns: [
          { keyId: NEW, lastSeen: at(-0.1), count: 5 },
          { keyId: OLD, lastSeen: at(-1.1), count: 20 },
        ],
      },
      { kind: "cutover" },
    ],
    [
      "cutover: an administrator confirmed",
      { state: cutoverState({ confirmedBy: "ann@example.com" }), ...during(20), signIns: "unavailable" },
      { kind: "cutover" },
    ],
    [
      "cutover: sign-ins unavailable: no cut-over without confirmation",
      { state: cutoverState(), ...during(20), signIns: "unavailable" },
      { kind: "wait" },
    ],
    ["cutover: the old secret expired", { state: cutoverState(), ...during(-0.1) }, { kind: "cutover" }],
    ["reminder at 14 days", { state: cutoverState(), ...during(13.5) }, { kind: "remind", days: 14, mark: [14] }],
    [
      "reminder at 6 days marks 14 and 7 together",
      { state: cutoverState({ remindersSent: [] }), ...during(6) },
      { kind: "remind", days: 7, mark: [14, 7] },
    ],
    ["no second 14-day reminder", { state: cutoverState({ remindersSent: [14] }), ...during(13) }, { kind: "wait" }],
    [
      "retiring: an unmanaged old secret is left to expire; its vault version is disabled",
      { state: cutoverState({ stage: "retiring" }), ...during(10) },
      { kind: "retire", disableVersions: ["v1"] },
    ],
    [
      "retiring: a monitor-created old secret is removed",
      { state: cutoverState({ stage: "retiring", oldManaged: true }), ...during(10) },
      { kind: "retire", removeKeyId: OLD, disableVersions: ["v1"] },
    ],
    [
      "retiring: SECRET_RETIRE_UNMANAGED=true removes an unmanaged one too",
      {
        state: cutoverState({ stage: "retiring" }),
        ...during(10),
        settings: { rotateBeforeDays: 30, lifetimeDays: 180, retireUnmanaged: true, cutoverQuietHours: 24 },
      },
      { kind: "retire", removeKeyId: OLD },
    ],
    [
      "retiring: nothing left to do: finish",
      {
        state: cutoverState({ stage: "retiring" }),
        app: { objectId: "o", credentials: [cred(NEW, 180, "keeper-monitor:r1", -1)] },
        vault: [version("v1", OLD, -100, false), version("v2", NEW, -1)],
      },
      { kind: "finish" },
    ],
  ])("%s", (_name, over, expected) => {
    expect(decide(input(over))).toMatchObject(expected);
  });

  it("never removes the old credential before cut-over: no step before retiring names it", () => {
    for (const days of [29, 20, 14, 7, 2, 1, 0.5]) {
      for (const signIns of ["unavailable" as const, [{ keyId: OLD, lastSeen: at(-0.01), count: 1 }]]) {
        const step = decide(input({ state: cutoverState(), ...during(days), signIns }));
        expect(step.kind === "removeOrphan" || step.kind === "retire").toBe(false);
      }
    }
  });
});

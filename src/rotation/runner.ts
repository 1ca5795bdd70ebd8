import type { Notifier } from "../core/notifier.js";
import type { Logger } from "../core/logger.js";
import {
  type AppView,
  type CredentialPolicy,
  type PlannerSettings,
  type RotationState,
  type SignInSummary,
  type VaultVersion,
} from "./model.js";
import { handoffNotice, reminderNotice, type HandoffTarget } from "./notices.js";
import { decide, type Step } from "./planner.js";
import { StepFailure, type RotationPorts } from "./ports.js";
import { ConflictError, type RotationStore } from "./stateStore.js";

export interface RunnerDeps {
  ports: RotationPorts;
  store: RotationStore;
  notifier: Notifier;
  settings: PlannerSettings;
  target: HandoffTarget;
  clock: () => Date;
  log: Logger;
  newId: () => string;
  /** How long a run may hold the lease (longer than the run budget). */
  leaseMs: number;
}

export interface RunOutcome {
  ran: boolean;
  /** The last decision: what the rotation waits for now. */
  last?: Step;
  state?: RotationState;
  steps: string[];
}

/** What a step uses: the world (ports), the state store, the notifier, the hand-off target, time and the log. */
export type StepPorts = Pick<RunnerDeps, "ports" | "store" | "notifier" | "target" | "clock" | "log">;

/**
 * What a run has written and done: the rotation state as last written, its ETag, and the side
 * effects so far (by name). A step updates it the moment a write or a side effect lands, so a
 * failure part-way through a step is recorded over the latest written state.
 */
export interface RunJournal {
  state: RotationState;
  etag: string | undefined;
  steps: string[];
}

/** A run's working state: its journal and the latest reads the planner decides from. */
export interface RunState extends RunJournal {
  app: AppView;
  vault: VaultVersion[];
  policy?: CredentialPolicy;
  signIns?: SignInSummary[] | "unavailable";
}

/** After a step: decide the next one, or stop (the rotation waits for time, Keeper or an administrator). */
export type StepEnd = "next" | "stop";
export type StepOf<K extends Step["kind"]> = Extract<Step, { kind: K }>;

const MAX_STEPS = 20;

/** Fields that belong to one rotation; cleared when it ends. */
const ROTATION_FIELDS: Array<keyof RotationState> = [
  "rotationId",
  "oldKeyId",
  "oldEnd",
  "oldManaged",
  "oldSource",
  "newKeyId",
  "newEnd",
  "newVersion",
  "provenAt",
  "handoffAt",
  "remindersSent",
  "confirmedBy",
  "confirmedAt",
  "cutoverReason",
];
const NEW_FIELDS: Array<keyof RotationState> = ["newKeyId", "newEnd", "newVersion", "provenAt", "handoffAt"];

function without(s: RotationState, keys: Array<keyof RotationState>): RotationState {
  const out = { ...s };
  for (const k of keys) delete out[k];
  return out;
}

/** `base` with `patch`; a stage change restarts `since`. */
function move(
  run: RunJournal,
  io: Pick<StepPorts, "clock">,
  patch: Partial<RotationState>,
  base: RotationState = run.state,
): RotationState {
  const next: RotationState = { ...base, ...patch };
  if (patch.stage !== undefined && patch.stage !== base.stage) next.since = io.clock().toISOString();
  return next;
}

function failure(
  io: Pick<StepPorts, "clock">,
  step: string,
  status: "problem" | "unknown",
  reason: string,
  remediation?: string,
) {
  return { step, at: io.clock().toISOString(), status, reason, ...(remediation ? { remediation } : {}) };
}

/** Records the next state; a confirmation written meanwhile (POST /api/rotation/confirm) is kept. */
export async function save(run: RunJournal, next: RotationState, io: Pick<StepPorts, "store">): Promise<void> {
  try {
    run.etag = await io.store.save(next, run.etag);
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    const fresh = await io.store.load();
    if (fresh.state.rotationId !== next.rotationId || fresh.state.stage !== run.state.stage) throw e;
    next = { ...next, confirmedBy: fresh.state.confirmedBy, confirmedAt: fresh.state.confirmedAt };
    run.etag = await io.store.save(next, fresh.etag);
  }
  run.state = next;
}

const did = (run: RunJournal, name: string): void => void run.steps.push(name);

export async function readPolicy(run: RunState, io: StepPorts): Promise<StepEnd> {
  run.policy = await io.ports.readPolicy(run.app);
  return "next";
}

/** Keeper's sign-ins; when they cannot be read the planner decides without them. */
export async function readSignIns(run: RunState, io: StepPorts): Promise<StepEnd> {
  try {
    run.signIns = await io.ports.signIns();
  } catch (e) {
    run.signIns = "unavailable";
    io.log.warn("rotation sign-ins unavailable", { reason: e instanceof StepFailure ? e.reason : "error" });
  }
  return "next";
}

export async function removeOrphan(run: RunState, step: StepOf<"removeOrphan">, io: StepPorts): Promise<StepEnd> {
  io.log.warn("rotation removing a lost secret", { keyId: step.keyId, why: step.why });
  await io.ports.removePassword(run.app.objectId, step.keyId);
  did(run, "removeOrphan");
  run.app = await io.ports.readApp();
  return "next";
}

export async function disableStaleVersion(
  run: RunState,
  step: StepOf<"disableStaleVersion">,
  io: StepPorts,
): Promise<StepEnd> {
  io.log.warn("rotation disabling a vault version of a removed secret", { version: step.version, keyId: step.keyId });
  await io.ports.disableVault(step.version);
  did(run, "disableStaleVersion");
  run.vault = await io.ports.listVault();
  return "next";
}

/** Writes the intent (stage adding, the old secret) before any side effect of the rotation. */
export async function startRotation(run: RunState, step: StepOf<"start">, io: StepPorts): Promise<StepEnd> {
  await save(
    run,
    move(
      run,
      io,
      {
        stage: "adding",
        rotationId: step.rotationId,
        ...(step.old
          ? {
              oldKeyId: step.old.keyId,
              oldManaged: step.old.managed,
              oldSource: step.old.source,
              ...(step.old.end ? { oldEnd: step.old.end.toISOString() } : {}),
            }
          : {}),
        remindersSent: [],
      },
      without(run.state, [...ROTATION_FIELDS, "blocked", "lastError"]),
    ),
    io,
  );
  did(run, "intent");
  return "next";
}

/** addPassword, then at once the Key Vault copy: the value exists only in this function. */
export async function addPassword(run: RunState, step: StepOf<"addPassword">, io: StepPorts): Promise<StepEnd> {
  let created;
  try {
    created = await io.ports.addPassword(run.app.objectId, step.displayName, step.endDateTime);
  } catch (e) {
    if (e instanceof StepFailure && e.ambiguous)
      throw new StepFailure(
        e.status,
        `${e.reason}; the secret may have been added: the next run reconciles before adding again`,
        e.remediation,
        true,
      );
    throw e;
  }
  did(run, "addPassword");
  await save(
    run,
    move(run, io, {
      newKeyId: created.keyId,
      ...(created.endDateTime ? { newEnd: created.endDateTime.toISOString() } : {}),
    }),
    io,
  );
  did(run, "recordNewKey");
  let version: string;
  try {
    version = await io.ports.writeVault(created.secretText, {
      keyId: created.keyId,
      rotationId: run.state.rotationId ?? "",
      createdUtc: io.clock(),
      ...(created.startDateTime ? { notBefore: created.startDateTime } : {}),
      ...(created.endDateTime ? { expiresOn: created.endDateTime } : {}),
    });
  } catch (e) {
    // The value would be lost: take the credential back now (the next run's reconcile is the fallback).
    await io.ports.removePassword(run.app.objectId, created.keyId).catch(() => undefined);
    throw e;
  }
  did(run, "writeVault");
  await save(run, move(run, io, { stage: "proving", newVersion: version }), io);
  did(run, "recordStored");
  run.app = await io.ports.readApp();
  run.vault = await io.ports.listVault();
  return "next";
}

/** A secret already added and stored (by a run that stopped before recording it) is taken over. */
export async function adopt(run: RunState, step: StepOf<"adopt">, io: StepPorts): Promise<StepEnd> {
  await save(
    run,
    move(run, io, {
      stage: "proving",
      newKeyId: step.keyId,
      newVersion: step.version,
      ...(step.end ? { newEnd: step.end.toISOString() } : {}),
    }),
    io,
  );
  did(run, "adopt");
  return "next";
}

export async function restart(run: RunState, step: StepOf<"restart">, io: StepPorts): Promise<StepEnd> {
  io.log.warn("rotation restarts", { why: step.why, rotationId: run.state.rotationId });
  await save(run, move(run, io, { stage: "adding" }, without(run.state, NEW_FIELDS)), io);
  did(run, "restart");
  return "next";
}

/** Signs in with the new secret from the vault: proven, still pending, or refused (then taken back). */
export async function probe(run: RunState, step: StepOf<"probe">, io: StepPorts): Promise<StepEnd> {
  const value = await io.ports.readVault(step.version);
  const outcome = await io.ports.probe(value, step.createdAt);
  did(run, "probe");
  if (outcome.kind === "ok") {
    await save(run, move(run, io, { stage: "handoff", provenAt: io.clock().toISOString() }), io);
    did(run, "proven");
    return "next";
  }
  if (outcome.kind === "pending") {
    io.log.info("rotation probe pending", { reason: outcome.reason });
    // this run got past whatever failed before (it added or adopted the secret it now proves)
    if (run.state.lastError) await save(run, without(run.state, ["lastError"]), io);
    return "stop";
  }
  // Refused after the propagation window: the new secret does not work; take it back.
  io.log.error("rotation new secret refused", { keyId: step.keyId, reason: outcome.reason });
  await io.ports.removePassword(run.app.objectId, step.keyId);
  did(run, "removeRefused");
  await io.ports.disableVault(step.version);
  did(run, "disableRefused");
  await save(
    run,
    move(
      run,
      io,
      { stage: "adding", lastError: failure(io, "probe", "problem", outcome.reason) },
      without(run.state, NEW_FIELDS),
    ),
    io,
  );
  return "stop";
}

export async function handoff(run: RunState, io: StepPorts): Promise<StepEnd> {
  await io.notifier.notify(handoffNotice(run.state, io.target, io.clock()));
  did(run, "handoff");
  await save(run, move(run, io, { stage: "cutover", handoffAt: io.clock().toISOString() }), io);
  did(run, "handedOff");
  return "next";
}

export async function remind(run: RunState, step: StepOf<"remind">, io: StepPorts): Promise<StepEnd> {
  await io.notifier.notify(reminderNotice(run.state, io.target, step.days, io.clock()));
  did(run, "remind");
  await save(
    run,
    move(run, io, { remindersSent: [...new Set([...(run.state.remindersSent ?? []), ...step.mark])] }),
    io,
  );
  return "next";
}

export async function cutover(run: RunState, step: StepOf<"cutover">, io: StepPorts): Promise<StepEnd> {
  io.log.info("rotation cut-over", { reason: step.reason, rotationId: run.state.rotationId });
  await save(run, move(run, io, { stage: "retiring", cutoverReason: step.reason }), io);
  did(run, "cutover");
  return "next";
}

export async function retire(run: RunState, step: StepOf<"retire">, io: StepPorts): Promise<StepEnd> {
  // Vault first: a version is never left enabled for a credential that is gone.
  for (const v of step.disableVersions) {
    await io.ports.disableVault(v);
    did(run, "disableOld");
  }
  if (step.removeKeyId) {
    await io.ports.removePassword(run.app.objectId, step.removeKeyId);
    did(run, "removeOld");
  }
  run.app = await io.ports.readApp();
  run.vault = await io.ports.listVault();
  return "next";
}

export async function finishRotation(run: RunState, io: StepPorts): Promise<StepEnd> {
  const s = run.state;
  await save(
    run,
    move(
      run,
      io,
      {
        stage: "idle",
        lastRotation: {
          rotationId: s.rotationId ?? "",
          keyId: s.newKeyId ?? "",
          completedAt: io.clock().toISOString(),
          ...(s.oldKeyId ? { retiredKeyId: s.oldKeyId } : {}),
        },
      },
      without(s, [...ROTATION_FIELDS, "lastError", "blocked"]),
    ),
    io,
  );
  did(run, "finish");
  return "next";
}

export async function recordBlocked(run: RunState, step: StepOf<"blocked">, io: StepPorts): Promise<StepEnd> {
  if (run.state.blocked !== step.reason || run.state.lastError)
    await save(run, { ...without(run.state, ["lastError"]), blocked: step.reason }, io);
  return "stop";
}

/** Nothing to do now (wait or idle): a block or error recorded before is cleared. */
export async function settle(run: RunState, io: StepPorts): Promise<StepEnd> {
  if (run.state.blocked !== undefined || run.state.lastError)
    await save(run, without(run.state, ["blocked", "lastError"]), io);
  return "stop";
}

/** Does one decided step. */
export function doStep(run: RunState, step: Step, io: StepPorts): Promise<StepEnd> {
  switch (step.kind) {
    case "readPolicy":
      return readPolicy(run, io);
    case "readSignIns":
      return readSignIns(run, io);
    case "removeOrphan":
      return removeOrphan(run, step, io);
    case "disableStaleVersion":
      return disableStaleVersion(run, step, io);
    case "start":
      return startRotation(run, step, io);
    case "addPassword":
      return addPassword(run, step, io);
    case "adopt":
      return adopt(run, step, io);
    case "restart":
      return restart(run, step, io);
    case "probe":
      return probe(run, step, io);
    case "handoff":
      return handoff(run, io);
    case "remind":
      return remind(run, step, io);
    case "cutover":
      return cutover(run, step, io);
    case "retire":
      return retire(run, step, io);
    case "finish":
      return finishRotation(run, io);
    case "blocked":
      return recordBlocked(run, step, io);
    case "wait":
    case "idle":
      return settle(run, io);
  }
}

/** The planner's next step for the run's state and reads. */
export function nextStep(run: RunState, d: Pick<RunnerDeps, "clock" | "settings" | "newId">): Step {
  return decide({
    app: run.app,
    vault: run.vault,
    state: run.state,
    now: d.clock(),
    settings: d.settings,
    ...(run.policy ? { policy: run.policy } : {}),
    ...(run.signIns ? { signIns: run.signIns } : {}),
    newRotationId: `r${d.clock().toISOString().slice(0, 10).replace(/-/g, "")}-${d.newId().slice(0, 8)}`,
  });
}

/**
 * The usual hourly run has nothing to do. A read-only look decides that without the lease or any
 * write: 1 table read and 2 Azure reads, where the full run spends 5 table calls on lease and state.
 * Anything else (a rotation under way, a recorded error or block, a reconcile, a failed read) goes
 * on to the full run, which takes the lease and decides again from fresh reads.
 */
async function nothingDue(d: RunnerDeps): Promise<RunOutcome | undefined> {
  const { state } = await d.store.load();
  if (state.stage !== "idle" || state.blocked !== undefined || state.lastError || state.confirmedBy) return undefined;
  let step: Step;
  try {
    const [app, vault] = await Promise.all([d.ports.readApp(), d.ports.listVault()]);
    step = decide({ app, vault, state, now: d.clock(), settings: d.settings, newRotationId: "" });
  } catch (e) {
    if (e instanceof StepFailure) return undefined; // the full run records the failure
    throw e;
  }
  if (step.kind !== "idle") return undefined;
  d.log.info("rotation step", { step: step.kind, stage: state.stage, rotationId: state.rotationId });
  return { ran: true, last: step, state, steps: [] };
}

/**
 * One run of the rotation: takes the lease, reconciles, then does steps until the rotation has
 * to wait (for time, Keeper or an administrator). Every stage is written before its side effect,
 * so a run killed at any await leaves a state the next run finishes or cleans up.
 */
export async function runRotation(d: RunnerDeps): Promise<RunOutcome> {
  const quiet = await nothingDue(d);
  if (quiet) return quiet;
  const holder = d.newId();
  const steps: string[] = [];
  if (!(await d.store.acquireLease(holder, d.clock(), d.leaseMs))) {
    d.log.info("rotation skipped: another run holds the lease");
    return { ran: false, steps };
  }
  const { state, etag } = await d.store.load();
  const journal: RunJournal = { state, etag, steps };
  let last: Step | undefined;
  const finish = async (): Promise<RunOutcome> => {
    await d.store.releaseLease(holder, d.clock());
    return { ran: true, ...(last ? { last } : {}), state: journal.state, steps };
  };
  try {
    const app = await d.ports.readApp();
    const vault = await d.ports.listVault();
    // The same object as the journal: a failure below is recorded over the latest written state.
    const run: RunState = Object.assign(journal, { app, vault });
    for (let n = 0; n < MAX_STEPS; n++) {
      const step = nextStep(run, d);
      last = step;
      d.log.info("rotation step", { step: step.kind, stage: run.state.stage, rotationId: run.state.rotationId });
      if ((await doStep(run, step, d)) === "stop") break;
    }
    return finish();
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e; // a crash: the lease runs out, the next run resumes
    d.log.warn("rotation step failed", { step: last?.kind, status: e.status, reason: e.reason });
    try {
      await save(
        journal,
        { ...journal.state, lastError: failure(d, last?.kind ?? "run", e.status, e.reason, e.remediation) },
        d,
      );
    } catch (inner) {
      d.log.error("rotation could not record the failure", { reason: (inner as Error).message });
    }
    return finish();
  }
}

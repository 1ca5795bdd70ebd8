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
  /** Observes each completed side effect (step name); a test makes it throw to kill the run there. */
  afterStep?: (step: string) => void | Promise<void>;
}

export interface RunOutcome {
  ran: boolean;
  /** The last decision: what the rotation waits for now. */
  last?: Step;
  state?: RotationState;
  steps: string[];
}

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

function without(s: RotationState, keys: Array<keyof RotationState>): RotationState {
  const out = { ...s };
  for (const k of keys) delete out[k];
  return out;
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
  const done = async (name: string) => {
    steps.push(name);
    await d.afterStep?.(name);
  };
  let { state, etag } = await d.store.load();

  /** Records the next state; a confirmation written meanwhile (POST /api/rotation/confirm) is kept. */
  const save = async (next: RotationState) => {
    try {
      etag = await d.store.save(next, etag);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      const fresh = await d.store.load();
      if (fresh.state.rotationId !== next.rotationId || fresh.state.stage !== state.stage) throw e;
      next = { ...next, confirmedBy: fresh.state.confirmedBy, confirmedAt: fresh.state.confirmedAt };
      etag = await d.store.save(next, fresh.etag);
    }
    state = next;
  };
  const move = (patch: Partial<RotationState>, base: RotationState = state): RotationState => {
    const next: RotationState = { ...base, ...patch };
    if (patch.stage !== undefined && patch.stage !== base.stage) next.since = d.clock().toISOString();
    return next;
  };

  let app: AppView;
  let vault: VaultVersion[];
  let policy: CredentialPolicy | undefined;
  let signIns: SignInSummary[] | "unavailable" | undefined;
  let last: Step | undefined;
  try {
    app = await d.ports.readApp();
    vault = await d.ports.listVault();
    for (let n = 0; n < MAX_STEPS; n++) {
      const step = decide({
        app,
        vault,
        state,
        now: d.clock(),
        settings: d.settings,
        ...(policy ? { policy } : {}),
        ...(signIns ? { signIns } : {}),
        newRotationId: `r${d.clock().toISOString().slice(0, 10).replace(/-/g, "")}-${d.newId().slice(0, 8)}`,
      });
      last = step;
      d.log.info("rotation step", { step: step.kind, stage: state.stage, rotationId: state.rotationId });
      switch (step.kind) {
        case "readPolicy":
          policy = await d.ports.readPolicy(app);
          continue;
        case "readSignIns":
          try {
            signIns = await d.ports.signIns();
          } catch (e) {
            signIns = "unavailable";
            d.log.warn("rotation sign-ins unavailable", { reason: e instanceof StepFailure ? e.reason : "error" });
          }
          continue;
        case "removeOrphan":
          d.log.warn("rotation removing a lost secret", { keyId: step.keyId, why: step.why });
          await d.ports.removePassword(app.objectId, step.keyId);
          await done("removeOrphan");
          app = await d.ports.readApp();
          continue;
        case "disableStaleVersion":
          d.log.warn("rotation disabling a vault version of a removed secret", {
            version: step.version,
            keyId: step.keyId,
          });
          await d.ports.disableVault(step.version);
          await done("disableStaleVersion");
          vault = await d.ports.listVault();
          continue;
        case "start":
          await save(
            move(
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
              without(state, [...ROTATION_FIELDS, "blocked", "lastError"]),
            ),
          );
          await done("intent");
          continue;
        case "addPassword":
          await addAndStore(step.displayName, step.endDateTime);
          continue;
        case "adopt":
          await save(
            move({
              stage: "proving",
              newKeyId: step.keyId,
              newVersion: step.version,
              ...(step.end ? { newEnd: step.end.toISOString() } : {}),
            }),
          );
          await done("adopt");
          continue;
        case "restart":
          d.log.warn("rotation restarts", { why: step.why, rotationId: state.rotationId });
          await save(move({ stage: "adding" }, without(state, NEW_FIELDS)));
          await done("restart");
          continue;
        case "probe": {
          const value = await d.ports.readVault(step.version);
          const outcome = await d.ports.probe(value, step.createdAt);
          await done("probe");
          if (outcome.kind === "ok") {
            await save(move({ stage: "handoff", provenAt: d.clock().toISOString() }));
            await done("proven");
            continue;
          }
          if (outcome.kind === "pending") {
            d.log.info("rotation probe pending", { reason: outcome.reason });
            // this run got past whatever failed before (it added or adopted the secret it now proves)
            if (state.lastError) await save(without(state, ["lastError"]));
            return finish();
          }
          // Refused after the propagation window: the new secret does not work; take it back.
          d.log.error("rotation new secret refused", { keyId: step.keyId, reason: outcome.reason });
          await d.ports.removePassword(app.objectId, step.keyId);
          await done("removeRefused");
          await d.ports.disableVault(step.version);
          await done("disableRefused");
          await save(
            move(
              { stage: "adding", lastError: failure("probe", "problem", outcome.reason) },
              without(state, NEW_FIELDS),
            ),
          );
          return finish();
        }
        case "handoff":
          await d.notifier.notify(handoffNotice(state, d.target, d.clock()));
          await done("handoff");
          await save(move({ stage: "cutover", handoffAt: d.clock().toISOString() }));
          await done("handedOff");
          continue;
        case "remind":
          await d.notifier.notify(reminderNotice(state, d.target, step.days, d.clock()));
          await done("remind");
          await save(move({ remindersSent: [...new Set([...(state.remindersSent ?? []), ...step.mark])] }));
          continue;
        case "cutover":
          d.log.info("rotation cut-over", { reason: step.reason, rotationId: state.rotationId });
          await save(move({ stage: "retiring", cutoverReason: step.reason }));
          await done("cutover");
          continue;
        case "retire":
          // Vault first: a version is never left enabled for a credential that is gone.
          for (const v of step.disableVersions) {
            await d.ports.disableVault(v);
            await done("disableOld");
          }
          if (step.removeKeyId) {
            await d.ports.removePassword(app.objectId, step.removeKeyId);
            await done("removeOld");
          }
          app = await d.ports.readApp();
          vault = await d.ports.listVault();
          continue;
        case "finish":
          await save(
            move(
              {
                stage: "idle",
                lastRotation: {
                  rotationId: state.rotationId ?? "",
                  keyId: state.newKeyId ?? "",
                  completedAt: d.clock().toISOString(),
                  ...(state.oldKeyId ? { retiredKeyId: state.oldKeyId } : {}),
                },
              },
              without(state, [...ROTATION_FIELDS, "lastError", "blocked"]),
            ),
          );
          await done("finish");
          continue;
        case "blocked":
          if (state.blocked !== step.reason || state.lastError)
            await save({ ...without(state, ["lastError"]), blocked: step.reason });
          return finish();
        case "wait":
        case "idle":
          if (state.blocked !== undefined || state.lastError) await save(without(state, ["blocked", "lastError"]));
          return finish();
      }
    }
    return finish();
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e; // a crash: the lease runs out, the next run resumes
    d.log.warn("rotation step failed", { step: last?.kind, status: e.status, reason: e.reason });
    try {
      await save({ ...state, lastError: failure(last?.kind ?? "run", e.status, e.reason, e.remediation) });
    } catch (inner) {
      d.log.error("rotation could not record the failure", { reason: (inner as Error).message });
    }
    return finish();
  }

  function failure(step: string, status: "problem" | "unknown", reason: string, remediation?: string) {
    return { step, at: d.clock().toISOString(), status, reason, ...(remediation ? { remediation } : {}) };
  }

  async function finish(): Promise<RunOutcome> {
    await d.store.releaseLease(holder, d.clock());
    return { ran: true, ...(last ? { last } : {}), state, steps };
  }

  /** addPassword, then at once the Key Vault copy: the value exists only in this function. */
  async function addAndStore(displayName: string, end: Date): Promise<void> {
    let created;
    try {
      created = await d.ports.addPassword(app.objectId, displayName, end);
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
    await done("addPassword");
    await save(
      move({
        newKeyId: created.keyId,
        ...(created.endDateTime ? { newEnd: created.endDateTime.toISOString() } : {}),
      }),
    );
    await done("recordNewKey");
    let version: string;
    try {
      version = await d.ports.writeVault(created.secretText, {
        keyId: created.keyId,
        rotationId: state.rotationId ?? "",
        createdUtc: d.clock(),
        ...(created.startDateTime ? { notBefore: created.startDateTime } : {}),
        ...(created.endDateTime ? { expiresOn: created.endDateTime } : {}),
      });
    } catch (e) {
      // The value would be lost: take the credential back now (the next run's reconcile is the fallback).
      await d.ports.removePassword(app.objectId, created.keyId).catch(() => undefined);
      throw e;
    }
    await done("writeVault");
    await save(move({ stage: "proving", newVersion: version }));
    await done("recordStored");
    app = await d.ports.readApp();
    vault = await d.ports.listVault();
  }
}

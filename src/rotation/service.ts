import type { Notifier } from "../core/notifier.js";
import type { FindingProvider } from "../checks/runDriftChecks.js";
import { ok, problem, unknown, type Finding } from "../core/finding.js";
import type { Logger } from "../core/logger.js";
import { confirmationConflict, type Confirmation } from "./confirm.js";
import { describeStage } from "./describe.js";
import type { PlannerSettings, RotationState, SignInSummary } from "./model.js";
import type { HandoffTarget } from "./notices.js";
import { SourceAbsent, StepFailure, type RotationPorts } from "./ports.js";
import { runRotation, type RunOutcome } from "./runner.js";
import { ConflictError, type RotationStore } from "./stateStore.js";

export interface RotationServiceDeps {
  /** Ports bound to one run's time limits. */
  ports: () => RotationPorts;
  /** Undefined when no state storage is configured. */
  store: RotationStore | undefined;
  /** False when KEY_VAULT_URI is unset: rotation needs a vault to keep the new secret in. */
  vaultConfigured: boolean;
  notifier: Notifier;
  settings: PlannerSettings;
  target: HandoffTarget;
  clock: () => Date;
  newId: () => string;
  leaseMs: number;
}

export type RotationView =
  | { configured: false; reason: string }
  | ({ configured: true; summary: string; awaiting?: string; from?: string } & RotationState);

export type ConfirmResult =
  | { status: "confirmed"; state: RotationState }
  /** A confirmation was recorded before: the state is unchanged; who and when, from the state. */
  | { status: "alreadyConfirmed"; state: RotationState }
  | { status: "conflict"; reason: string }
  | { status: "notConfigured"; reason: string };

const NOT_CONFIGURED =
  "Rotation is not configured (optional, info): AzureWebJobsStorage is not set, so there is no rotation state to read (the keeper-monitor command outside the Function App). " +
  "To turn it on: set AzureWebJobsStorage to the Function App's storage (the rotation state is in its table keepermonitorrotation), and KEY_VAULT_URI (and KEY_VAULT_SECRET_NAME) to the monitor's own vault.";
const NO_VAULT =
  "Rotation is not configured (optional, info): KEY_VAULT_URI is not set. With the monitor's own Key Vault the monitor rotates the Keeper client secret before it expires and hands the new one over; without it, renew the secret by hand (see secret.expiry). " +
  "To turn it on: set KEY_VAULT_URI (and KEY_VAULT_SECRET_NAME) to a vault where the monitor's identity holds Key Vault Secrets Officer; SECRET_ROTATE_BEFORE_DAYS and SECRET_LIFETIME_DAYS tune it.";

/** Why rotation cannot run here, or undefined when it can. */
const offReason = (d: RotationServiceDeps): string | undefined =>
  !d.store ? NOT_CONFIGURED : !d.vaultConfigured ? NO_VAULT : undefined;

export interface RotationService {
  run(log: Logger): Promise<RunOutcome>;
  view(): Promise<RotationView>;
  confirm(c: Confirmation): Promise<ConfirmResult>;
  provider: FindingProvider;
}

const DAY_MS = 86_400_000;

/**
 * When no rotation is in progress: when the next one is due, from the expiry of the secret Keeper
 * uses as this run's secret.vault finding read it (no call of its own).
 */
export function dueNote(drift: readonly Finding[], now: Date, rotateBeforeDays: number): string | undefined {
  const vault = drift.find((f) => f.check === "secret.vault" && f.status === "ok");
  const expiresOn = vault?.evidence?.["expiresOn"];
  if (typeof expiresOn !== "string" || Number.isNaN(Date.parse(expiresOn))) return undefined;
  const end = Date.parse(expiresOn);
  const dueAt = new Date(end - rotateBeforeDays * DAY_MS);
  const days = Math.floor((end - now.getTime()) / DAY_MS);
  const left = `the secret Keeper uses expires ${expiresOn.slice(0, 10)} (in ${days} day${days === 1 ? "" : "s"})`;
  return dueAt <= now
    ? `Rotation is due: ${left}, within SECRET_ROTATE_BEFORE_DAYS (${rotateBeforeDays}); the next secretRotation run starts it.`
    : `The next rotation is due ${dueAt.toISOString().slice(0, 10)}: ${left}, SECRET_ROTATE_BEFORE_DAYS (${rotateBeforeDays}) before that.`;
}

function stateFinding(s: RotationState, due?: string): Finding {
  const check = "rotation.state";
  const d = describeStage(s);
  const evidence = {
    stage: s.stage,
    since: s.since,
    ...(d.awaiting ? { awaiting: d.awaiting, from: d.from } : {}),
    ...(s.rotationId ? { rotationId: s.rotationId } : {}),
  };
  if (s.lastError) {
    const extra = {
      evidence: { ...evidence, step: s.lastError.step, at: s.lastError.at },
      ...(s.lastError.remediation ? { remediation: s.lastError.remediation } : {}),
    };
    return s.lastError.status === "problem"
      ? problem(check, "warning", `${d.summary} Last step failed: ${s.lastError.reason}`, extra)
      : unknown(check, `${d.summary} Last step failed: ${s.lastError.reason}`, extra);
  }
  if (s.blocked)
    return problem(check, "warning", `Rotation blocked: ${s.blocked}`, {
      evidence,
      remediation: "Lift the restriction, or rotate by hand and paste the new secret into Keeper.",
    });
  if (s.stage === "idle" && due)
    return ok(check, `${d.summary} ${due}`, { evidence: { ...evidence, due: due.startsWith("Rotation is due") } });
  return ok(check, d.summary, { evidence });
}

function cutoverFinding(s: RotationState | undefined, signIns: SignInSummary[]): Finding {
  const check = "rotation.cutover";
  const latest = [...signIns].sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime())[0];
  if (!latest) return ok(check, "No successful Keeper sign-in in the last 30 days in AADServicePrincipalSignInLogs.");
  const evidence = {
    keys: signIns.map((x) => ({ keyId: x.keyId, lastSeen: x.lastSeen.toISOString(), signIns: x.count })),
  };
  let where = "";
  if (s && (s.stage === "cutover" || s.stage === "handoff"))
    where = latest.keyId === s.newKeyId ? " (the new secret)" : latest.keyId === s.oldKeyId ? " (the old secret)" : "";
  return ok(check, `Keeper signs in with secret ${latest.keyId}${where}, last seen ${latest.lastSeen.toISOString()}.`, {
    evidence,
  });
}

/** The rotation feature: the timer's run, GET/POST state, and its findings in the report. */
export function createRotationService(d: RotationServiceDeps): RotationService {
  const load = async () => (d.store ? (await d.store.load()).state : undefined);
  return {
    async run(log) {
      const off = offReason(d);
      if (off || !d.store) {
        log.warn("rotation skipped", { reason: off ?? NOT_CONFIGURED });
        return { ran: false, steps: [] };
      }
      return runRotation({
        ports: d.ports(),
        store: d.store,
        notifier: d.notifier,
        settings: d.settings,
        target: d.target,
        clock: d.clock,
        log,
        newId: d.newId,
        leaseMs: d.leaseMs,
      });
    },
    async view() {
      const off = offReason(d);
      if (off || !d.store) return { configured: false, reason: off ?? NOT_CONFIGURED };
      const s = (await d.store.load()).state;
      return { configured: true, ...describeStage(s), ...s };
    },
    async confirm(c) {
      if (!d.store) return { status: "notConfigured", reason: NOT_CONFIGURED };
      for (let attempt = 0; attempt < 5; attempt++) {
        const { state, etag } = await d.store.load();
        const conflict = confirmationConflict(state, c);
        if (conflict) return { status: "conflict", reason: conflict };
        if (state.confirmedBy) return { status: "alreadyConfirmed", state };
        const next = { ...state, confirmedBy: c.confirmedBy, confirmedAt: d.clock().toISOString() };
        try {
          await d.store.save(next, etag);
          return { status: "confirmed", state: next };
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
        }
      }
      return { status: "conflict", reason: "the state kept changing; try again" };
    },
    provider: async (drift) => {
      const stateP = load().then(
        (s) => ({ ok: true as const, s }),
        (e: unknown) => ({ ok: false as const, reason: (e as Error).message }),
      );
      const signInsP = d
        .ports()
        .signIns()
        .then(
          (x) => ({ ok: true as const, x }),
          (e: unknown) => ({ ok: false as const, e }),
        );
      const [st, si] = await Promise.all([stateP, signInsP]);
      const findings: Finding[] = [];
      const off = offReason(d);
      if (off) findings.push(ok("rotation.state", off));
      else if (!st.ok)
        findings.push(unknown("rotation.state", `could not read the rotation state: ${st.reason.split("\n")[0]}`));
      else {
        const s = st.s ?? { stage: "idle" as const, since: new Date(0).toISOString() };
        const due = s.stage === "idle" ? dueNote(await drift, d.clock(), d.settings.rotateBeforeDays) : undefined;
        findings.push(stateFinding(s, due));
      }
      if (si.ok) findings.push(cutoverFinding(st.ok ? st.s : undefined, si.x));
      else {
        const e = si.e;
        findings.push(
          e instanceof SourceAbsent
            ? ok("rotation.cutover", e.summary)
            : e instanceof StepFailure
              ? unknown("rotation.cutover", e.reason, e.remediation ? { remediation: e.remediation } : {})
              : unknown("rotation.cutover", "could not read Keeper's sign-ins"),
        );
      }
      return findings;
    },
  };
}

import { formatDuration } from "../core/duration.js";
import {
  DAY_MS,
  isManaged,
  isValidAt,
  MANAGED_PREFIX,
  ORPHAN_GRACE_MS,
  REMINDER_DAYS,
  rotationIdOf,
  type AppCredential,
  type AppView,
  type CredentialPolicy,
  type PlannerSettings,
  type RotationState,
  type SignInSummary,
  type Stage,
  type VaultVersion,
} from "./model.js";

export interface PlanInput {
  app: AppView;
  vault: VaultVersion[];
  state: RotationState;
  now: Date;
  settings: PlannerSettings;
  /** Read on demand: the planner asks for it (readPolicy) only when it is about to add a secret. */
  policy?: CredentialPolicy;
  /** Read on demand (readSignIns); "unavailable" when the query failed or no workspace holds the table. */
  signIns?: SignInSummary[] | "unavailable";
  /** A fresh id, used only if this decision starts a rotation. */
  newRotationId: string;
}

/** The one next thing to do. Side effects are the runner's; this only decides. */
export type Step =
  | { kind: "readPolicy" }
  | { kind: "readSignIns" }
  | { kind: "removeOrphan"; keyId: string; why: string }
  | { kind: "disableStaleVersion"; version: string; keyId: string }
  | {
      kind: "start";
      rotationId: string;
      old?: { keyId: string; end?: Date; managed: boolean; source: "vault" | "newest" };
    }
  | { kind: "addPassword"; displayName: string; endDateTime: Date }
  | { kind: "adopt"; keyId: string; version: string; end?: Date }
  | { kind: "restart"; why: string }
  | { kind: "probe"; keyId: string; version: string; createdAt: Date }
  | { kind: "handoff" }
  | { kind: "remind"; days: number; mark: number[] }
  | { kind: "cutover"; reason: string }
  | { kind: "retire"; removeKeyId?: string; disableVersions: string[] }
  | { kind: "finish" }
  | { kind: "wait"; awaiting: string; from: string }
  | { kind: "idle"; summary: string; nextDue?: Date }
  | { kind: "blocked"; reason: string };

export interface KeeperCredential {
  credential: AppCredential;
  /** "vault": named by the vault's newest enabled version; "newest": the vault names none, so the newest valid one. */
  source: "vault" | "newest";
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

const byCreatedDesc = (a: VaultVersion, b: VaultVersion) =>
  (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0);

/** Which secret Keeper uses now: the one the vault's current version names, else the newest valid one. */
export function keeperCredential(
  app: AppView,
  vault: readonly VaultVersion[],
  now: Date,
): KeeperCredential | undefined {
  for (const v of [...vault].filter((x) => x.enabled).sort(byCreatedDesc)) {
    const c = app.credentials.find((x) => same(x.keyId, v.tags["keyId"]));
    if (c && isValidAt(c, now)) return { credential: c, source: "vault" };
  }
  const valid = app.credentials
    .filter((c) => isValidAt(c, now))
    .sort((a, b) => (b.endDateTime?.getTime() ?? Infinity) - (a.endDateTime?.getTime() ?? Infinity));
  return valid[0] ? { credential: valid[0], source: "newest" } : undefined;
}

function hasVaultVersion(vault: readonly VaultVersion[], keyId: string): boolean {
  return vault.some((v) => same(v.tags["keyId"], keyId));
}

const HANDED_OFF: readonly Stage[] = ["handoff", "cutover", "retiring"];

/** Credentials whose value someone may hold, so they are never treated as lost. */
function protectedKeyIds(s: RotationState): string[] {
  const out = [s.oldKeyId, s.lastRotation?.keyId];
  if (HANDED_OFF.includes(s.stage)) out.push(s.newKeyId);
  return out.filter((x): x is string => x !== undefined).map((x) => x.toLowerCase());
}

function seen(signIns: SignInSummary[], keyId: string): SignInSummary | undefined {
  return signIns.find((s) => same(s.keyId, keyId));
}

/**
 * Reconcile first: a monitor-created credential with no Key Vault copy, older than the grace
 * period, has a lost value (removed); an enabled vault version naming a credential that is gone
 * is disabled. A credential someone signs in with is never "lost".
 */
function reconcile(i: PlanInput): Step | undefined {
  const keep = protectedKeyIds(i.state);
  for (const c of i.app.credentials) {
    if (!isManaged(c) || hasVaultVersion(i.vault, c.keyId) || keep.includes(c.keyId.toLowerCase())) continue;
    const age = i.now.getTime() - (c.startDateTime?.getTime() ?? 0);
    if (age < ORPHAN_GRACE_MS) continue;
    if (i.signIns === undefined) return { kind: "readSignIns" };
    if (i.signIns !== "unavailable" && seen(i.signIns, c.keyId)) continue;
    return {
      kind: "removeOrphan",
      keyId: c.keyId,
      why: `created by the monitor ${formatDuration(age / 60_000)} ago with no Key Vault copy: its value is lost`,
    };
  }
  for (const v of [...i.vault].sort(byCreatedDesc)) {
    const keyId = v.tags["keyId"];
    if (!v.enabled || keyId === undefined) continue;
    if (!i.app.credentials.some((c) => same(c.keyId, keyId)))
      return { kind: "disableStaleVersion", version: v.version, keyId };
  }
  return undefined;
}

function newEnd(i: PlanInput, policy: CredentialPolicy): Date {
  const lifetime = i.settings.lifetimeDays * DAY_MS;
  const capped = policy.maxLifetimeMs !== undefined ? Math.min(lifetime, policy.maxLifetimeMs) : lifetime;
  return new Date(i.now.getTime() + capped);
}

/** Checks that apply before any new secret is added; undefined when adding may go ahead. */
function beforeAdding(i: PlanInput): Step | undefined {
  if (!i.policy) return { kind: "readPolicy" };
  if (i.policy.additionBlocked)
    return {
      kind: "blocked",
      reason:
        "the tenant's app-management policy blocks new client secrets (passwordAddition) for the Keeper app: an administrator must exempt the app or rotate by hand",
    };
  const days = (newEnd(i, i.policy).getTime() - i.now.getTime()) / DAY_MS;
  if (days <= i.settings.rotateBeforeDays)
    return {
      kind: "blocked",
      reason: `the app-management policy caps new secrets at ${Math.floor(days)} days, not above SECRET_ROTATE_BEFORE_DAYS (${i.settings.rotateBeforeDays}): lower SECRET_ROTATE_BEFORE_DAYS`,
    };
  const managed = i.app.credentials.filter(isManaged).length;
  if (managed >= 2)
    return {
      kind: "wait",
      awaiting: `fewer than two monitor-created secrets on the app (there are ${managed}); a new one is added only then`,
      from: "the monitor (cleanup) or an administrator",
    };
  return undefined;
}

function idle(i: PlanInput): Step {
  const cur = keeperCredential(i.app, i.vault, i.now);
  const end = cur?.credential.endDateTime;
  const dueAt = end ? new Date(end.getTime() - i.settings.rotateBeforeDays * DAY_MS) : undefined;
  if (cur && (dueAt === undefined || dueAt > i.now))
    return {
      kind: "idle",
      summary: end
        ? `Keeper's secret ${cur.credential.keyId} expires ${end.toISOString()}; rotation starts ${dueAt!.toISOString()}`
        : `Keeper's secret ${cur.credential.keyId} never expires`,
      ...(dueAt ? { nextDue: dueAt } : {}),
    };
  const gate = beforeAdding(i);
  if (gate) return gate;
  return {
    kind: "start",
    rotationId: i.newRotationId,
    ...(cur
      ? {
          old: {
            keyId: cur.credential.keyId,
            ...(end ? { end } : {}),
            managed: isManaged(cur.credential),
            source: cur.source,
          },
        }
      : {}),
  };
}

function adding(i: PlanInput): Step {
  const mine = i.app.credentials.filter((c) => rotationIdOf(c) === i.state.rotationId);
  for (const c of mine) {
    const v = i.vault.filter((x) => same(x.tags["keyId"], c.keyId)).sort(byCreatedDesc)[0];
    if (v)
      return { kind: "adopt", keyId: c.keyId, version: v.version, ...(c.endDateTime ? { end: c.endDateTime } : {}) };
  }
  if (mine.length > 0)
    return {
      kind: "wait",
      awaiting: "the secret added less than 10 minutes ago to get its Key Vault copy, or to be cleaned up",
      from: "the monitor (next run)",
    };
  const gate = beforeAdding(i);
  if (gate) return gate;
  return {
    kind: "addPassword",
    displayName: `${MANAGED_PREFIX}${i.state.rotationId ?? ""}`,
    endDateTime: newEnd(i, i.policy!),
  };
}

function cutover(i: PlanInput, newCred: AppCredential): Step {
  const s = i.state;
  if (s.confirmedBy) return { kind: "cutover", reason: `confirmed by ${s.confirmedBy} at ${s.confirmedAt ?? "?"}` };
  const old = s.oldKeyId ? i.app.credentials.find((c) => same(c.keyId, s.oldKeyId)) : undefined;
  if (!old) return { kind: "cutover", reason: "the old secret is no longer on the app" };
  if (old.endDateTime && old.endDateTime <= i.now) return { kind: "cutover", reason: "the old secret has expired" };
  if (i.signIns === undefined) return { kind: "readSignIns" };
  if (i.signIns !== "unavailable") {
    const provenAt = Date.parse(s.provenAt ?? s.since);
    const n = seen(i.signIns, newCred.keyId);
    const o = seen(i.signIns, old.keyId);
    const quietMs = i.settings.cutoverQuietHours * 3_600_000;
    // The probe's own sign-in happened at provenAt: only later sign-ins are Keeper's.
    if (n && n.lastSeen.getTime() > provenAt && (!o || i.now.getTime() - o.lastSeen.getTime() >= quietMs))
      return {
        kind: "cutover",
        reason: `sign-ins show Keeper using the new secret (last ${n.lastSeen.toISOString()}) and the old one quiet for ${i.settings.cutoverQuietHours} h`,
      };
  }
  if (old.endDateTime) {
    const daysLeft = (old.endDateTime.getTime() - i.now.getTime()) / DAY_MS;
    const due = REMINDER_DAYS.filter((d) => daysLeft <= d && !(s.remindersSent ?? []).includes(d));
    if (due.length > 0) return { kind: "remind", days: Math.min(...due), mark: due };
  }
  return {
    kind: "wait",
    awaiting: `Keeper to sign in with the new secret ${newCred.keyId} and the old one ${old.keyId} to stay quiet for ${i.settings.cutoverQuietHours} h, or POST /api/rotation/confirm`,
    from: "the Keeper administrators (Admin Console → Reporting & Alerts → Azure Monitor Logs)",
  };
}

function retiring(i: PlanInput): Step {
  const s = i.state;
  const old = s.oldKeyId ? i.app.credentials.find((c) => same(c.keyId, s.oldKeyId)) : undefined;
  const remove = old && (s.oldManaged === true || i.settings.retireUnmanaged) ? old.keyId : undefined;
  const disable = s.oldKeyId
    ? i.vault.filter((v) => v.enabled && same(v.tags["keyId"], s.oldKeyId)).map((v) => v.version)
    : [];
  if (remove || disable.length > 0)
    return { kind: "retire", ...(remove ? { removeKeyId: remove } : {}), disableVersions: disable };
  return { kind: "finish" };
}

/** decide(app, vault, state, evidence, clock, settings) → the next step. Pure. */
export function decide(i: PlanInput): Step {
  const r = reconcile(i);
  if (r) return r;
  const s = i.state;
  if (s.stage === "idle") return idle(i);
  if (s.stage === "adding") return adding(i);
  const newCred = i.app.credentials.find((c) => same(c.keyId, s.newKeyId));
  if (s.stage === "retiring") return retiring(i);
  if (!newCred || !s.newVersion) return { kind: "restart", why: "the new secret is no longer on the app" };
  if (s.stage === "proving")
    return {
      kind: "probe",
      keyId: newCred.keyId,
      version: s.newVersion,
      createdAt: newCred.startDateTime ?? new Date(Date.parse(s.since)),
    };
  if (s.stage === "handoff") return { kind: "handoff" };
  return cutover(i, newCred);
}

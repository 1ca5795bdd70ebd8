/**
 * The rotation's own view of the world: what the planner reads (app credentials, Key Vault
 * versions, sign-in evidence, the recorded state) and what it decides. No SDK types, no secret.
 */
export const MANAGED_PREFIX = "keeper-monitor:";
export const ORPHAN_GRACE_MS = 10 * 60_000;
export const PROPAGATION_WINDOW_MS = 5 * 60_000;
export const REMINDER_DAYS = [14, 7, 2] as const;
export const DAY_MS = 86_400_000;

export interface AppCredential {
  keyId: string;
  displayName?: string;
  startDateTime?: Date;
  endDateTime?: Date;
}

export interface AppView {
  objectId: string;
  createdDateTime?: Date;
  credentials: AppCredential[];
}

export interface VaultVersion {
  version: string;
  enabled: boolean;
  createdOn?: Date;
  expiresOn?: Date;
  tags: Record<string, string>;
}

/** Successful sign-ins of the Keeper app per credential, over the queried window. */
export interface SignInSummary {
  keyId: string;
  lastSeen: Date;
  count: number;
}

/** The tenant's app-management policy as it applies to the Keeper app. */
export interface CredentialPolicy {
  /** Whether the policy could be read (403 without Policy.Read.ApplicationConfiguration). */
  readable: boolean;
  additionBlocked: boolean;
  maxLifetimeMs?: number;
}

export type Stage = "idle" | "adding" | "proving" | "handoff" | "cutover" | "retiring";

export interface StepError {
  step: string;
  at: string;
  status: "problem" | "unknown";
  reason: string;
  remediation?: string;
}

/** The recorded state (one Table storage row). Holds ids, dates and names; never a secret value. */
export interface RotationState {
  stage: Stage;
  since: string;
  rotationId?: string;
  /** The credential Keeper used when the rotation started; undefined when it had none left. */
  oldKeyId?: string;
  oldEnd?: string;
  oldManaged?: boolean;
  /** How the old credential was chosen: the vault's current version, or the newest (vault empty). */
  oldSource?: "vault" | "newest";
  newKeyId?: string;
  newEnd?: string;
  newVersion?: string;
  provenAt?: string;
  handoffAt?: string;
  remindersSent?: number[];
  confirmedBy?: string;
  confirmedAt?: string;
  cutoverReason?: string;
  lastError?: StepError;
  blocked?: string;
  lastRotation?: { rotationId: string; keyId: string; completedAt: string; retiredKeyId?: string };
}

export const INITIAL_STATE: RotationState = { stage: "idle", since: new Date(0).toISOString() };

export interface PlannerSettings {
  rotateBeforeDays: number;
  lifetimeDays: number;
  retireUnmanaged: boolean;
  cutoverQuietHours: number;
}

export function isManaged(c: AppCredential): boolean {
  return c.displayName?.startsWith(MANAGED_PREFIX) ?? false;
}

export function rotationIdOf(c: AppCredential): string | undefined {
  return isManaged(c) ? c.displayName!.slice(MANAGED_PREFIX.length) : undefined;
}

export function isValidAt(c: AppCredential, now: Date): boolean {
  return (
    (c.endDateTime === undefined || c.endDateTime > now) && (c.startDateTime === undefined || c.startDateTime <= now)
  );
}

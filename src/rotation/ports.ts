import type { AppView, CredentialPolicy, SignInSummary, VaultVersion } from "./model.js";

/** A step failed in a way the monitor understands (403, 429, 5xx, timeout, refused secret). */
export class StepFailure extends Error {
  constructor(
    readonly status: "problem" | "unknown",
    readonly reason: string,
    readonly remediation?: string,
    /** The call may have taken effect (timeout, 5xx on a POST): reconcile before trying again. */
    readonly ambiguous = false,
  ) {
    super(reason);
    this.name = "StepFailure";
  }
}

/**
 * An optional source that is not there (a table the workspace does not collect): a fact to state,
 * not a failure to read. `summary` says what is missing, what it would add and how to enable it.
 */
export class SourceAbsent extends Error {
  constructor(readonly summary: string) {
    super(summary);
    this.name = "SourceAbsent";
  }
}

export interface NewSecret {
  keyId: string;
  /** Returned once by Graph; held in memory only until it is in Key Vault. */
  secretText: string;
  startDateTime?: Date;
  endDateTime?: Date;
}

export type ProbeOutcome =
  | { kind: "ok" }
  /** Still refused (AADSTS7000215) and the propagation window is not over, but the run must stop. */
  | { kind: "pending"; reason: string }
  | { kind: "refused"; reason: string };

export interface VaultWrite {
  keyId: string;
  rotationId: string;
  notBefore?: Date;
  expiresOn?: Date;
  createdUtc: Date;
}

/** What the runner does to the world; each adapter throws StepFailure for a known failure. */
export interface RotationPorts {
  readApp(): Promise<AppView>;
  readPolicy(app: AppView): Promise<CredentialPolicy>;
  addPassword(objectId: string, displayName: string, endDateTime: Date): Promise<NewSecret>;
  /** Resolves when the credential is gone (also when it was already gone). */
  removePassword(objectId: string, keyId: string): Promise<void>;
  listVault(): Promise<VaultVersion[]>;
  writeVault(value: string, meta: VaultWrite): Promise<string>;
  readVault(version: string): Promise<string>;
  disableVault(version: string): Promise<void>;
  probe(secret: string, createdAt: Date): Promise<ProbeOutcome>;
  signIns(): Promise<SignInSummary[]>;
}

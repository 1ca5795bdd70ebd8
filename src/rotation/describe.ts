import type { RotationState } from "./model.js";

export interface StageView {
  summary: string;
  awaiting?: string;
  from?: string;
}

/** What a stage means for people: what is awaited and from whom. */
export function describeStage(s: RotationState): StageView {
  const since = `since ${s.since}`;
  switch (s.stage) {
    case "idle":
      return {
        summary: s.lastRotation
          ? `No rotation in progress; the last one (${s.lastRotation.rotationId}) completed ${s.lastRotation.completedAt}.`
          : "No rotation in progress.",
      };
    case "adding":
      return {
        summary: `Rotation ${s.rotationId ?? "?"} is creating a new client secret (${since}).`,
        awaiting: "the next run to add the secret and store it in Key Vault",
        from: "the monitor",
      };
    case "proving":
      return {
        summary: `Rotation ${s.rotationId ?? "?"}: the new secret ${s.newKeyId ?? "?"} is in Key Vault; proving it works (${since}).`,
        awaiting: "Entra ID to accept the new secret (propagation takes up to 5 minutes)",
        from: "Entra ID",
      };
    case "handoff":
      return {
        summary: `Rotation ${s.rotationId ?? "?"}: the new secret works; sending the hand-off notice (${since}).`,
        awaiting: "the hand-off notice to be sent",
        from: "the monitor",
      };
    case "cutover":
      return {
        summary: `Rotation ${s.rotationId ?? "?"}: waiting for Keeper to use the new secret ${s.newKeyId ?? "?"} (${since}); the old one expires ${s.oldEnd ?? "?"}.`,
        awaiting:
          "Keeper to sign in with the new secret (pasted into Admin Console → Reporting & Alerts → Azure Monitor Logs → Client Secret), or POST /api/rotation/confirm",
        from: "the Keeper administrators",
      };
    case "retiring":
      return {
        summary: `Rotation ${s.rotationId ?? "?"}: cut-over done (${s.cutoverReason ?? "?"}); retiring the old secret ${s.oldKeyId ?? "?"} (${since}).`,
        awaiting: "the next run to retire the old secret",
        from: "the monitor",
      };
  }
}

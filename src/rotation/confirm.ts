import type { RotationState } from "./model.js";

export interface Confirmation {
  rotationId: string;
  keyId: string;
  confirmedBy: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELDS = ["rotationId", "keyId", "confirmedBy"] as const;

/** Strict: exactly these three fields, each checked; the error names the field and why. */
export function parseConfirmation(
  body: unknown,
): { ok: true; value: Confirmation } | { ok: false; field: string; error: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, field: "body", error: 'must be a JSON object {"rotationId","keyId","confirmedBy"}' };
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(FIELDS as readonly string[]).includes(k))
      return { ok: false, field: k, error: `unknown field (allowed: ${FIELDS.join(", ")})` };
  const { rotationId, keyId, confirmedBy } = o;
  if (typeof rotationId !== "string" || !/^[A-Za-z0-9-]{1,64}$/.test(rotationId))
    return {
      ok: false,
      field: "rotationId",
      error: "required: the rotation id from the hand-off notice (letters, digits, -)",
    };
  if (typeof keyId !== "string" || !GUID.test(keyId))
    return { ok: false, field: "keyId", error: "required: the new secret's keyId (a GUID) from the hand-off notice" };
  if (
    typeof confirmedBy !== "string" ||
    confirmedBy.trim().length < 1 ||
    confirmedBy.length > 200 ||
    /[\p{Cc}]/u.test(confirmedBy)
  )
    return {
      ok: false,
      field: "confirmedBy",
      error: "required: who confirms (1–200 printable characters, e.g. an email)",
    };
  return { ok: true, value: { rotationId, keyId: keyId.toLowerCase(), confirmedBy: confirmedBy.trim() } };
}

/** Whether a confirmation applies to the recorded state; the reason when it does not. */
export function confirmationConflict(s: RotationState, c: Confirmation): string | undefined {
  if (s.stage !== "handoff" && s.stage !== "cutover") return `no rotation is waiting for a cut-over (stage ${s.stage})`;
  if (s.rotationId !== c.rotationId)
    return `rotationId does not match the rotation in progress (${s.rotationId ?? "none"})`;
  if ((s.newKeyId ?? "").toLowerCase() !== c.keyId) return "keyId is not the new secret of the rotation in progress";
  return undefined;
}

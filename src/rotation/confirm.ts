import type { RotationState } from "./model.js";
import { isGuid } from "../core/ids.js";

export interface Confirmation {
  rotationId: string;
  keyId: string;
  confirmedBy: string;
}

const FIELDS = ["rotationId", "keyId", "confirmedBy"] as const;

/**
 * Strict: exactly these three fields, each checked; the error names the field and why. With
 * `principal` (the caller App Service Authentication signed in) the confirmer is that caller and
 * `confirmedBy` may be omitted; when given it must name the same caller.
 */
export function parseConfirmation(
  body: unknown,
  options: { principal?: string } = {},
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
  if (typeof keyId !== "string" || !isGuid(keyId))
    return { ok: false, field: "keyId", error: "required: the new secret's keyId (a GUID) from the hand-off notice" };
  const who = options.principal ?? confirmedBy;
  const bad = confirmerProblem(who);
  if (bad) return { ok: false, field: "confirmedBy", error: bad };
  if (
    options.principal !== undefined &&
    confirmedBy !== undefined &&
    (typeof confirmedBy !== "string" || confirmedBy.trim().toLowerCase() !== options.principal.trim().toLowerCase())
  )
    return {
      ok: false,
      field: "confirmedBy",
      error: `with Entra authentication the confirmer is the signed-in caller (${options.principal.trim()}); omit confirmedBy`,
    };
  return { ok: true, value: { rotationId, keyId: keyId.toLowerCase(), confirmedBy: (who as string).trim() } };
}

/** At most this many characters in a confirmer's name (an email address is at most 254). */
export const CONFIRMER_MAX = 200;

/**
 * Why a confirmer's name cannot be recorded, or undefined. It reaches the status page, mail, Teams
 * and log lines, so: bounded, no markup, no control, format (bidi, zero-width) or lone surrogate.
 */
export function confirmerProblem(v: unknown): string | undefined {
  if (typeof v !== "string" || v.trim().length < 1)
    return "required: who confirms (1–200 printable characters, e.g. an email)";
  if (v.length > CONFIRMER_MAX) return `too long: ${v.length} characters, at most ${CONFIRMER_MAX}`;
  if (/[<>]/.test(v)) return "must not contain markup (< or >)";
  if (/\p{Cc}/u.test(v)) return "must not contain control characters (CR, LF, ESC, …)";
  if (/[\p{Cf}\p{Cs}]/u.test(v))
    return "must not contain invisible format characters (bidi controls, zero-width) or lone surrogates";
  return undefined;
}

/** Whether a confirmation applies to the recorded state; the reason when it does not. */
export function confirmationConflict(s: RotationState, c: Confirmation): string | undefined {
  if (s.stage !== "handoff" && s.stage !== "cutover") return `no rotation is waiting for a cut-over (stage ${s.stage})`;
  if (s.rotationId !== c.rotationId)
    return `rotationId does not match the rotation in progress (${s.rotationId ?? "none"})`;
  if ((s.newKeyId ?? "").toLowerCase() !== c.keyId) return "keyId is not the new secret of the rotation in progress";
  return undefined;
}

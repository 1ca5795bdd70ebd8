/**
 * The monitor's own principal id, read from the `oid` claim of an access token its credential has
 * already fetched (no extra call). The token itself is never kept nor logged: only the claim is.
 */

import { isGuid } from "../core/ids.js";

/** A GUID claim (`oid`, `tid`) of a JWT access token; undefined for anything else. */
function guidClaim(accessToken: string, claim: "oid" | "tid"): string | undefined {
  const payload = accessToken.split(".")[1];
  if (!payload || payload.length > 16_000) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const v = (claims as Record<string, unknown> | null)?.[claim];
    return typeof v === "string" && isGuid(v) ? v.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** The `oid` claim of a JWT access token, when it is a GUID; undefined for anything else. */
export const principalIdOf = (accessToken: string): string | undefined => guidClaim(accessToken, "oid");

/** The `tid` claim (the monitor's tenant) of a JWT access token, when it is a GUID. */
export const tenantIdOf = (accessToken: string): string | undefined => guidClaim(accessToken, "tid");

/** The shape of a token credential (structurally @azure/core-auth's TokenCredential). */
export interface TokenSource<O> {
  getToken(scopes: string | string[], options?: O): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/**
 * The same credential, remembering the principal id of the tokens it hands out, so a report can
 * name the monitor's identity in the role assignment a 403 asks for.
 */
export function rememberingPrincipal<O, C extends TokenSource<O>>(
  credential: C,
): { credential: TokenSource<O>; principalId: () => string | undefined; tenantId: () => string | undefined } {
  let principalId: string | undefined;
  let tenantId: string | undefined;
  return {
    credential: {
      async getToken(scopes, options) {
        const t = await credential.getToken(scopes, options);
        if (t) {
          principalId = principalIdOf(t.token) ?? principalId;
          tenantId = tenantIdOf(t.token) ?? tenantId;
        }
        return t;
      },
    },
    principalId: () => principalId,
    tenantId: () => tenantId,
  };
}

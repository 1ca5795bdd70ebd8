import type { Application, PasswordCredential, ServicePrincipal } from "../connector/types.js";
import { MalformedReplyError } from "./errors.js";

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new MalformedReplyError(`${what} is not an object`);
  return v as Json;
}
function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new MalformedReplyError(`${what} is missing or not a string`);
  return v;
}
function date(v: unknown, what: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = new Date(str(v, what));
  if (Number.isNaN(d.getTime())) throw new MalformedReplyError(`${what} is not a date`);
  return d;
}

/** Maps a Graph application; the password `hint` and any `secretText` are deliberately dropped. */
export function toApplication(body: unknown): Application {
  const a = obj(body, "application");
  const creds = a["passwordCredentials"] ?? [];
  if (!Array.isArray(creds)) throw new MalformedReplyError("passwordCredentials is not an array");
  return {
    objectId: str(a["id"], "application id"),
    appId: str(a["appId"], "application appId"),
    displayName: typeof a["displayName"] === "string" ? a["displayName"] : undefined,
    passwordCredentials: creds.map((c: unknown, i): PasswordCredential => {
      const p = obj(c, `passwordCredentials[${i}]`);
      return {
        keyId: str(p["keyId"], `passwordCredentials[${i}].keyId`).toLowerCase(),
        displayName: typeof p["displayName"] === "string" ? p["displayName"] : undefined,
        startDateTime: date(p["startDateTime"], `passwordCredentials[${i}].startDateTime`),
        endDateTime: date(p["endDateTime"], `passwordCredentials[${i}].endDateTime`),
      };
    }),
  };
}

export function toServicePrincipal(body: unknown): ServicePrincipal {
  const s = obj(body, "servicePrincipal");
  if (typeof s["accountEnabled"] !== "boolean")
    throw new MalformedReplyError("servicePrincipal accountEnabled is not a boolean");
  return {
    objectId: str(s["id"], "servicePrincipal id"),
    appId: str(s["appId"], "servicePrincipal appId"),
    displayName: typeof s["displayName"] === "string" ? s["displayName"] : undefined,
    accountEnabled: s["accountEnabled"],
  };
}

import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { errorCode, MalformedReplyError, observeError, statusOf, type Access } from "./errors.js";
import type { AppView, CredentialPolicy } from "../rotation/model.js";
import { StepFailure, type NewSecret } from "../rotation/ports.js";
import { GraphHttp, graphJson } from "./graphClient.js";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function date(v: unknown, what: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = typeof v === "string" ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new MalformedReplyError(`${what} is not a date`);
  return d;
}

/** Maps the app (with createdDateTime, for policies that apply by creation date); hints dropped. */
export function toAppView(body: unknown): AppView {
  if (!isObj(body) || typeof body["id"] !== "string") throw new MalformedReplyError("application has no id");
  const creds = body["passwordCredentials"] ?? [];
  if (!Array.isArray(creds)) throw new MalformedReplyError("passwordCredentials is not an array");
  return {
    objectId: body["id"],
    ...(body["createdDateTime"] ? { createdDateTime: date(body["createdDateTime"], "createdDateTime")! } : {}),
    credentials: creds.map((c: unknown, i) => {
      if (!isObj(c) || typeof c["keyId"] !== "string")
        throw new MalformedReplyError(`passwordCredentials[${i}].keyId is missing`);
      const start = date(c["startDateTime"], `passwordCredentials[${i}].startDateTime`);
      const end = date(c["endDateTime"], `passwordCredentials[${i}].endDateTime`);
      return {
        keyId: c["keyId"].toLowerCase(),
        ...(typeof c["displayName"] === "string" ? { displayName: c["displayName"] } : {}),
        ...(start ? { startDateTime: start } : {}),
        ...(end ? { endDateTime: end } : {}),
      };
    }),
  };
}

/** addPassword's reply: the value is returned once; it goes straight to Key Vault. */
export function toNewSecret(body: unknown): NewSecret {
  if (!isObj(body) || typeof body["keyId"] !== "string" || typeof body["secretText"] !== "string")
    throw new MalformedReplyError("addPassword reply lacks keyId or secretText");
  const start = date(body["startDateTime"], "startDateTime");
  const end = date(body["endDateTime"], "endDateTime");
  return {
    keyId: body["keyId"].toLowerCase(),
    secretText: body["secretText"],
    ...(start ? { startDateTime: start } : {}),
    ...(end ? { endDateTime: end } : {}),
  };
}

/** ISO 8601 duration (PnYnMnDTnHnMnS) in ms; years and months as 365 and 30 days. */
export function durationMs(iso: string): number | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    iso,
  );
  if (!m || iso === "P" || iso.endsWith("T")) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return ((days * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000;
}

/** Restrictions of one policy body (tenant default or app-specific) that apply to an app. */
export function policyRestrictions(body: unknown, appCreated: Date | undefined): CredentialPolicy {
  const out: CredentialPolicy = { readable: true, additionBlocked: false };
  if (!isObj(body) || body["isEnabled"] === false) return out;
  const r = isObj(body["applicationRestrictions"]) ? body["applicationRestrictions"] : body["restrictions"];
  const list = isObj(r) && Array.isArray(r["passwordCredentials"]) ? r["passwordCredentials"] : [];
  for (const p of list as unknown[]) {
    if (!isObj(p) || p["state"] === "disabled") continue;
    const after =
      typeof p["restrictForAppsCreatedAfterDateTime"] === "string"
        ? Date.parse(p["restrictForAppsCreatedAfterDateTime"])
        : 0;
    if (appCreated && appCreated.getTime() < after) continue;
    if (p["restrictionType"] === "passwordAddition") out.additionBlocked = true;
    if (p["restrictionType"] === "passwordLifetime" && typeof p["maxLifetime"] === "string") {
      const ms = durationMs(p["maxLifetime"]);
      if (ms !== undefined) out.maxLifetimeMs = Math.min(out.maxLifetimeMs ?? Infinity, ms);
    }
  }
  return out;
}

function merge(a: CredentialPolicy, b: CredentialPolicy): CredentialPolicy {
  const max = Math.min(a.maxLifetimeMs ?? Infinity, b.maxLifetimeMs ?? Infinity);
  return {
    readable: a.readable && b.readable,
    additionBlocked: a.additionBlocked || b.additionBlocked,
    ...(Number.isFinite(max) ? { maxLifetimeMs: max } : {}),
  };
}

export const ADD_PASSWORD_FIX =
  "Grant the monitor's identity the Microsoft Graph application permission Application.ReadWrite.OwnedBy and add it as an owner of the Keeper app registration (infra/scripts/grant-graph-permissions.sh).";

/** Turns a failed Graph call into a StepFailure with the reason and the fix. */
export function graphFailure(
  e: unknown,
  access: Access,
  ctx: CallContext,
  ambiguousIfUnanswered: boolean,
): StepFailure {
  const o = observeError(e, access, ctx);
  const reason = o.kind === "unknown" ? o.reason : `could not ${access.action}: not found`;
  const remediation = o.kind === "unknown" ? o.remediation : undefined;
  const status = statusOf(e);
  // A POST that timed out, dropped, or got a 5xx may have been carried out.
  const ambiguous = ambiguousIfUnanswered && (status === undefined || status >= 500 || status === 429);
  return new StepFailure("unknown", reason, remediation, ambiguous);
}

/**
 * Microsoft Graph writes to the Keeper app. addPassword is not idempotent, so POSTs are never
 * retried (no 5xx/429/network retry): after an ambiguous failure the runner reconciles first.
 */
export class GraphWriter {
  private readonly http: GraphHttp;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.http = new GraphHttp(credential, cloud);
  }

  private async send(method: "GET" | "POST", path: string, body: unknown, ctx: CallContext): Promise<unknown> {
    const reply = await this.http.send(method, path, body, {
      signal: callSignal(ctx),
      timeoutMs: ctx.callTimeoutMs,
      maxRetries: method === "GET" ? READ_RETRY_OPTIONS.maxRetries : 0,
    });
    return graphJson(reply, `${method} ${path.split("?")[0]}`);
  }

  async readApp(appId: string, ctx: CallContext): Promise<AppView> {
    try {
      return toAppView(
        await this.send(
          "GET",
          `/applications(appId='${encodeURIComponent(appId)}')?$select=id,appId,createdDateTime,passwordCredentials`,
          undefined,
          ctx,
        ),
      );
    } catch (e) {
      throw graphFailure(
        e,
        {
          action: "read the Keeper app registration",
          permission:
            "the Microsoft Graph permission Application.ReadWrite.OwnedBy, and make it an owner of the Keeper app",
        },
        ctx,
        false,
      );
    }
  }

  /** The tenant default policy and the app's own policies, merged; unreadable (403) is not a block. */
  async readPolicy(app: AppView, ctx: CallContext): Promise<CredentialPolicy> {
    const read = async (path: string): Promise<CredentialPolicy[]> => {
      try {
        const body = await this.send("GET", path, undefined, ctx);
        const list = isObj(body) && Array.isArray(body["value"]) ? (body["value"] as unknown[]) : [body];
        return list.map((p) => policyRestrictions(p, app.createdDateTime));
      } catch (e) {
        const s = statusOf(e);
        if (s === 403 || s === 404) return [{ readable: false, additionBlocked: false }];
        throw graphFailure(
          e,
          {
            action: "read the app-management policy",
            permission: "Microsoft Graph Policy.Read.ApplicationConfiguration",
          },
          ctx,
          false,
        );
      }
    };
    const all = [
      ...(await read("/policies/defaultAppManagementPolicy")),
      ...(await read(`/applications/${encodeURIComponent(app.objectId)}/appManagementPolicies`)),
    ];
    return all.reduce(merge, { readable: true, additionBlocked: false });
  }

  async addPassword(objectId: string, displayName: string, endDateTime: Date, ctx: CallContext): Promise<NewSecret> {
    try {
      return toNewSecret(
        await this.send(
          "POST",
          `/applications/${encodeURIComponent(objectId)}/addPassword`,
          { passwordCredential: { displayName, endDateTime: endDateTime.toISOString() } },
          ctx,
        ),
      );
    } catch (e) {
      if (statusOf(e) === 403)
        throw new StepFailure(
          "unknown",
          `the monitor's identity may not add a client secret to the Keeper app (403 ${errorCode(e) ?? "Forbidden"})`,
          ADD_PASSWORD_FIX,
        );
      if (statusOf(e) === 400)
        throw new StepFailure(
          "problem",
          `Graph refused the new client secret (400 ${errorCode(e) ?? ""}): a tenant app-management policy may block it`,
          "Check Entra ID → Enterprise applications → App management policies for restrictions on the Keeper app.",
        );
      throw graphFailure(
        e,
        { action: "add a client secret to the Keeper app", permission: "Application.ReadWrite.OwnedBy" },
        ctx,
        true,
      );
    }
  }

  /**
   * Graph documents only 204 for removePassword; what it answers for a key already gone is not
   * documented (microsoft-graph-docs-contrib api-reference/v1.0/api/application-removepassword.md).
   * So after any 4xx the app's credentials are read again: the key gone is the goal reached (a
   * replayed step), the key still there is the error.
   */
  async removePassword(objectId: string, keyId: string, ctx: CallContext): Promise<void> {
    try {
      await this.send("POST", `/applications/${encodeURIComponent(objectId)}/removePassword`, { keyId }, ctx);
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && status >= 400 && status < 500 && !(await this.stillHas(objectId, keyId, ctx))) return;
      if (status === 403)
        throw new StepFailure(
          "unknown",
          "the monitor's identity may not remove a client secret of the Keeper app (403)",
          ADD_PASSWORD_FIX,
        );
      throw graphFailure(
        e,
        { action: "remove a client secret of the Keeper app", permission: "Application.ReadWrite.OwnedBy" },
        ctx,
        false,
      );
    }
  }

  /** Whether the app still lists the key; true when that cannot be read (the refusal then stands). */
  private async stillHas(objectId: string, keyId: string, ctx: CallContext): Promise<boolean> {
    try {
      const app = toAppView(
        await this.send(
          "GET",
          `/applications/${encodeURIComponent(objectId)}?$select=id,passwordCredentials`,
          undefined,
          ctx,
        ),
      );
      return app.credentials.some((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
    } catch {
      return true;
    }
  }
}

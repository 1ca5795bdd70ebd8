import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type { ActivityEvent, ActivityRead, Application, ServicePrincipal } from "../connector/types.js";
import { MalformedReplyError, observeError, statusOf } from "./errors.js";
import { auditFilter, DIRECTORY_AUDITS_TOP, toAuditEvent } from "./directoryAudits.js";
import { GraphHttp, graphJson } from "./graphClient.js";
import { isGuid } from "../core/ids.js";
import { toApplication, toServicePrincipal } from "./graphMappers.js";

/** Microsoft Graph reads of the Keeper app and its service principal, through the Graph SDK. */
export class GraphAdapter {
  private readonly http: GraphHttp;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.http = new GraphHttp(credential, cloud);
  }

  /** GET a Graph path; returns the parsed JSON body. Throws a GraphError on a non-2xx reply. */
  private async get(path: string, ctx: CallContext): Promise<unknown> {
    const reply = await this.http.send("GET", path, undefined, {
      signal: callSignal(ctx),
      timeoutMs: ctx.callTimeoutMs,
      maxRetries: READ_RETRY_OPTIONS.maxRetries,
    });
    return graphJson(reply, `GET ${path.split("?")[0]}`);
  }

  async getApplication(appId: string, ctx: CallContext): Promise<Observation<Application>> {
    try {
      const body = await this.get(
        `/applications(appId='${encodeURIComponent(appId)}')?$select=id,appId,displayName,passwordCredentials`,
        ctx,
      );
      return found(toApplication(body));
    } catch (e) {
      return observeError(
        e,
        {
          action: "read the Keeper app registration",
          permission:
            "Microsoft Graph Application.ReadWrite.OwnedBy (and ownership of the Keeper app) or Application.Read.All",
        },
        ctx,
      );
    }
  }

  async getServicePrincipal(appId: string, ctx: CallContext): Promise<Observation<ServicePrincipal>> {
    try {
      const body = await this.get(
        `/servicePrincipals(appId='${encodeURIComponent(appId)}')?$select=id,appId,displayName,accountEnabled`,
        ctx,
      );
      return found(toServicePrincipal(body));
    } catch (e) {
      return observeError(
        e,
        {
          action: "read the Keeper app's service principal",
          permission: "Microsoft Graph Application.Read.All (or Application.ReadWrite.OwnedBy as owner)",
        },
        ctx,
      );
    }
  }

  /**
   * Entra audit records about one directory object (the Keeper app) since `from`: one page of the
   * newest. An optional source: a 403 (no AuditLog.Read.All) is "forbidden", anything else "failed".
   */
  async readDirectoryAudits(objectId: string, from: Date, ctx: CallContext): Promise<ActivityRead> {
    if (!isGuid(objectId)) return { kind: "failed", reason: "not an object id" };
    try {
      const q = new URLSearchParams({
        $filter: auditFilter(objectId, from),
        $orderby: "activityDateTime desc",
        $top: String(DIRECTORY_AUDITS_TOP),
      });
      const body = await this.get(`/auditLogs/directoryAudits?${q.toString().replace(/\+/g, "%20")}`, ctx);
      const value = (body as { value?: unknown } | null)?.value;
      if (!Array.isArray(value)) throw new MalformedReplyError("directoryAudits reply has no value list");
      const events: ActivityEvent[] = [];
      for (const item of value) {
        const e = toAuditEvent(item, objectId);
        if (e) events.push(e);
      }
      return { kind: "events", events };
    } catch (e) {
      if (statusOf(e) === 403) return { kind: "forbidden" };
      const o = observeError(e, { action: "read the Entra audit log", permission: "" }, ctx);
      return { kind: "failed", reason: o.kind === "unknown" ? o.reason : "no records" };
    }
  }
}

import { MonitorClient } from "@azure/arm-monitor";
import { OperationalInsightsManagementClient } from "@azure/arm-operationalinsights";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { parseArmId, sdkScope, type ArmId } from "../core/armId.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type {
  ActivityEvent,
  ActivityRead,
  ActivityScope,
  Dce,
  Dcr,
  RoleAssignment,
  Table,
  Workspace,
} from "../connector/types.js";
import { MalformedReplyError, observeError, statusOf } from "./errors.js";
import { ACTIVITY_LOG_MAX_PAGES, activityFilter, toActivityEvent } from "./activityLog.js";
import { toDce, toDcr, toRoleAssignment, toTable, toWorkspace } from "./armMappers.js";
import { checkBody, dceBody, dcrBody, tableBody, workspaceBody } from "./armSchemas.js";
import { RESPONSE_LIMIT_POLICIES } from "./responseLimit.js";
import type { z } from "zod";

/**
 * Call options that keep the raw JSON body, and a check of that body against its documented shape
 * (run before the SDK's deserialised object is mapped).
 */
function readingBody(ctx: CallContext): {
  options: { abortSignal: AbortSignal; onResponse: (r: { parsedBody?: unknown }) => void };
  check: (schema: z.ZodType, what: string) => void;
} {
  let body: unknown;
  return {
    options: { abortSignal: callSignal(ctx), onResponse: (r) => (body = r.parsedBody) },
    check: (schema, what) => checkBody(schema, body, what),
  };
}

/** At most this many DCRs of a subscription are read when looking for Keeper's by its immutable id. */
export const MAX_LISTED_DCRS = 2000;

/** Reads of the connector's ARM resources. Clients are created per subscription, once. */
export class ArmAdapter {
  private readonly monitors = new Map<string, MonitorClient>();
  private readonly insights = new Map<string, OperationalInsightsManagementClient>();
  private readonly authz = new Map<string, AuthorizationManagementClient>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly cloud: CloudProfile,
  ) {}

  private scopes(): string[] {
    return [`${this.cloud.audiences.arm}/.default`];
  }

  /** One client per subscription and kind, created on first use. */
  private static cached<T>(map: Map<string, T>, subscriptionId: string, make: () => T): T {
    let c = map.get(subscriptionId);
    if (c === undefined) {
      c = make();
      map.set(subscriptionId, c);
    }
    return c;
  }

  private monitor(subscriptionId: string): MonitorClient {
    const options = {
      endpoint: this.cloud.resourceManagerEndpoint,
      credentials: { scopes: this.scopes() },
      retryOptions: READ_RETRY_OPTIONS,
      additionalPolicies: RESPONSE_LIMIT_POLICIES,
    };
    return ArmAdapter.cached(
      this.monitors,
      subscriptionId,
      () => new MonitorClient(this.credential, subscriptionId, options),
    );
  }

  private insightsClient(subscriptionId: string): OperationalInsightsManagementClient {
    const options = {
      endpoint: this.cloud.resourceManagerEndpoint,
      credentials: { scopes: this.scopes() },
      retryOptions: READ_RETRY_OPTIONS,
      additionalPolicies: RESPONSE_LIMIT_POLICIES,
    };
    return ArmAdapter.cached(
      this.insights,
      subscriptionId,
      () => new OperationalInsightsManagementClient(this.credential, subscriptionId, options),
    );
  }

  /** arm-authorization is an older-style client: its scope override is `credentialScopes`. */
  private authzClient(subscriptionId: string): AuthorizationManagementClient {
    const options = {
      endpoint: this.cloud.resourceManagerEndpoint,
      credentialScopes: this.scopes(),
      retryOptions: READ_RETRY_OPTIONS,
      additionalPolicies: RESPONSE_LIMIT_POLICIES,
    };
    return ArmAdapter.cached(
      this.authz,
      subscriptionId,
      () => new AuthorizationManagementClient(this.credential, subscriptionId, options),
    );
  }

  async getDcr(id: ArmId, ctx: CallContext): Promise<Observation<Dcr>> {
    try {
      const b = readingBody(ctx);
      const r = await this.monitor(id.subscriptionId).dataCollectionRules.get(id.resourceGroup, id.name, b.options);
      b.check(dcrBody, "DCR");
      return found(toDcr(r));
    } catch (e) {
      return observeError(e, { action: "read the DCR", permission: `Monitoring Reader on ${id.id}` }, ctx);
    }
  }

  /**
   * The DCRs of a subscription (MAX_LISTED_DCRS at most; SDK paging follows nextLink). One DCR
   * that cannot be read as a DCR is left out: it never hides the others.
   */
  async listDcrs(subscriptionId: string, ctx: CallContext): Promise<Observation<Dcr[]>> {
    try {
      const out: Dcr[] = [];
      for await (const r of this.monitor(subscriptionId).dataCollectionRules.listBySubscription({
        abortSignal: callSignal(ctx),
      })) {
        try {
          out.push(toDcr(r));
        } catch {
          continue;
        }
        if (out.length >= MAX_LISTED_DCRS) break;
      }
      return found(out);
    } catch (e) {
      return observeError(
        e,
        {
          action: `list the DCRs of subscription ${subscriptionId}`,
          permission: `Monitoring Reader on /subscriptions/${subscriptionId}`,
        },
        ctx,
      );
    }
  }

  async getDce(dceResourceId: string, ctx: CallContext): Promise<Observation<Dce>> {
    const id = parseArmId(dceResourceId);
    if (!id)
      return observeError(
        new MalformedReplyError(`DCE id "${dceResourceId}" is not an ARM ID`),
        { action: "read the DCE", permission: "" },
        ctx,
      );
    try {
      const b = readingBody(ctx);
      const r = await this.monitor(id.subscriptionId).dataCollectionEndpoints.get(id.resourceGroup, id.name, b.options);
      b.check(dceBody, "DCE");
      return found(toDce(r));
    } catch (e) {
      return observeError(e, { action: "read the DCE", permission: `Monitoring Reader on ${id.id}` }, ctx);
    }
  }

  async getWorkspace(id: ArmId, ctx: CallContext): Promise<Observation<Workspace>> {
    try {
      const b = readingBody(ctx);
      const r = await this.insightsClient(id.subscriptionId).workspaces.get(id.resourceGroup, id.name, b.options);
      b.check(workspaceBody, "workspace");
      return found(toWorkspace(r));
    } catch (e) {
      return observeError(
        e,
        {
          action: "read the workspace",
          permission: `the workspace query role (Microsoft.OperationalInsights/workspaces/read) on ${id.id}`,
        },
        ctx,
      );
    }
  }

  async getTable(workspace: ArmId, tableName: string, ctx: CallContext): Promise<Observation<Table>> {
    try {
      const b = readingBody(ctx);
      const r = await this.insightsClient(workspace.subscriptionId).tables.get(
        workspace.resourceGroup,
        workspace.name,
        tableName,
        b.options,
      );
      b.check(tableBody, "table");
      return found(toTable(r));
    } catch (e) {
      return observeError(
        e,
        { action: `read table ${tableName}`, permission: `Reader on ${workspace.id}/tables/${tableName}` },
        ctx,
      );
    }
  }

  /**
   * Role assignments of one principal at `scopeId`, above it and below it (direct or via groups):
   * ARM's assignedTo() filter.
   */
  async listRoleAssignments(
    subscriptionId: string,
    scopeId: string,
    principalId: string,
    ctx: CallContext,
  ): Promise<Observation<RoleAssignment[]>> {
    try {
      const out: RoleAssignment[] = [];
      const signal = callSignal(ctx);
      for await (const a of this.authzClient(subscriptionId).roleAssignments.listForScope(sdkScope(scopeId), {
        filter: `assignedTo('${principalId}')`,
        abortSignal: signal,
      })) {
        out.push(toRoleAssignment(a));
      }
      return found(out);
    } catch (e) {
      return observeError(
        e,
        {
          action: `read role assignments on ${scopeId}`,
          permission: `Monitoring Reader (or Reader) on ${scopeId}`,
        },
        ctx,
      );
    }
  }

  /**
   * The succeeded writes and deletes of one resource, or of a resource group, between `from` and
   * `to`: at most ACTIVITY_LOG_MAX_PAGES pages, newest first as the service returns them. An
   * optional source: a 403 is "forbidden" (the caller adds a note), anything else "failed".
   */
  async readActivityLog(scope: ActivityScope, from: Date, to: Date, ctx: CallContext): Promise<ActivityRead> {
    const where =
      scope.kind === "resource"
        ? (() => {
            const sub = /^\/subscriptions\/([^/]+)\//i.exec(scope.resourceId)?.[1];
            return sub ? { sub, filter: { resourceUri: scope.resourceId } } : undefined;
          })()
        : { sub: scope.subscriptionId, filter: { resourceGroup: scope.resourceGroup } };
    const text = scope.kind === "resource" ? scope.resourceId : `${scope.subscriptionId}/${scope.resourceGroup}`;
    // the $filter quotes its values: an id with a quote (or no subscription) cannot be asked for
    if (!where || /['\s]/.test(text)) return { kind: "failed", reason: "the resource id cannot be put in a filter" };
    try {
      const events: ActivityEvent[] = [];
      let pages = 0;
      const list = this.monitor(where.sub).activityLogs.list(activityFilter(from, to, where.filter), {
        abortSignal: callSignal(ctx),
      });
      for await (const page of list.byPage()) {
        if (!Array.isArray(page)) throw new MalformedReplyError("Activity Log page is not a list");
        for (const item of page) {
          const e = toActivityEvent(item);
          if (e) events.push(e);
        }
        if (++pages >= ACTIVITY_LOG_MAX_PAGES) break;
      }
      return { kind: "events", events };
    } catch (e) {
      if (statusOf(e) === 403) return { kind: "forbidden" };
      const o = observeError(e, { action: "read the Activity Log", permission: "" }, ctx);
      return { kind: "failed", reason: o.kind === "unknown" ? o.reason : "no events" };
    }
  }
}

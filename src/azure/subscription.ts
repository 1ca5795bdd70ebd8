import type { TokenCredential } from "@azure/core-auth";
import { RestError } from "@azure/core-rest-pipeline";
import { ArmGet } from "./armGet.js";
import type { CloudProfile } from "../config/clouds.js";
import type { CallContext } from "../core/callContext.js";
import { isGuid } from "../core/ids.js";
import { MalformedReplyError } from "./errors.js";

export const SUBSCRIPTIONS_API_VERSION = "2022-12-01";

/**
 * The tenant a subscription belongs to (Subscriptions - Get, `tenantId`:
 * https://learn.microsoft.com/rest/api/resources/subscriptions/get). Under Azure Lighthouse the
 * subscription is the customer's: its `tenantId` is the customer's tenant, and the managing tenant
 * is listed under `managedByTenants`. Any role within the subscription lets the caller read it.
 */
export class SubscriptionReader {
  private readonly http: ArmGet;
  private readonly arm: string;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.http = new ArmGet(credential, cloud);
    this.arm = this.http.arm;
  }

  /** The subscription's tenant id (lower case). Throws RestError or MalformedReplyError. */
  async tenantOf(subscriptionId: string, ctx: CallContext): Promise<string> {
    const url = `${this.arm}/subscriptions/${encodeURIComponent(subscriptionId)}?api-version=${SUBSCRIPTIONS_API_VERSION}`;
    const response = await this.http.get(url, ctx);
    const request = response.request;
    if (response.status < 200 || response.status > 299)
      throw new RestError(`subscription: HTTP ${response.status}`, { statusCode: response.status, request, response });
    let body: unknown;
    try {
      body = JSON.parse(response.bodyAsText ?? "");
    } catch (e) {
      throw new MalformedReplyError("subscription: the body is not JSON", { cause: e });
    }
    const tid = (body as { tenantId?: unknown } | null)?.tenantId;
    if (typeof tid !== "string" || !isGuid(tid)) throw new MalformedReplyError("subscription: no tenantId GUID");
    return tid.toLowerCase();
  }
}

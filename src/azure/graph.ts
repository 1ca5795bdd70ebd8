import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type { Application, ServicePrincipal } from "../connector/types.js";
import { observeError } from "./errors.js";
import { GraphHttp, graphJson } from "./graphClient.js";
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
}

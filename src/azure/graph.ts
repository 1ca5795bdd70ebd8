import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type { Application, ServicePrincipal } from "../connector/types.js";
import { observeError } from "./errors.js";
import { toApplication, toServicePrincipal } from "./graphMappers.js";
import { responseLimitPolicy } from "./responseLimit.js";

/**
 * Microsoft Graph reads over core-rest-pipeline: the same retry, timeout and token handling as
 * every other Azure client, and no chance of sending a request without its Authorization header
 * to a non-Graph host (the Graph JS client's customHosts trap).
 */
export class GraphAdapter {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();

  constructor(
    credential: TokenCredential,
    private readonly cloud: CloudProfile,
  ) {
    this.pipeline = createPipelineFromOptions({ retryOptions: READ_RETRY_OPTIONS });
    this.pipeline.addPolicy(responseLimitPolicy(), { afterPhase: "Retry" });
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential, scopes: `${cloud.audiences.graph}/.default` }),
    );
  }

  /** GET a Graph path; returns the parsed JSON body. Throws RestError on a non-2xx reply. */
  private async get(path: string, ctx: CallContext): Promise<unknown> {
    const request = createPipelineRequest({
      url: `${this.cloud.graphEndpoint}/v1.0${path}`,
      method: "GET",
      abortSignal: callSignal(ctx),
    });
    request.headers.set("accept", "application/json");
    const response = await this.pipeline.sendRequest(this.http, request);
    if (response.status < 200 || response.status >= 300)
      throw new RestError(`Graph GET ${path.split("?")[0]} answered ${response.status}`, {
        statusCode: response.status,
        request,
        response,
      });
    return JSON.parse(response.bodyAsText ?? "");
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

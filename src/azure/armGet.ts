import type { TokenCredential } from "@azure/core-auth";
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { RESPONSE_LIMIT_POLICIES } from "./responseLimit.js";

/**
 * ARM GETs without an SDK (Sentinel's data connectors, a subscription): the ARM audience's token,
 * the read retries, and the reply size limit after signing, as core-client places a "perRetry"
 * policy, so each try is bounded.
 */
export class ArmGet {
  private readonly pipeline: Pipeline;
  private readonly client: HttpClient = createDefaultHttpClient();
  /** The cloud's ARM endpoint, without a trailing slash. */
  readonly arm: string;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.arm = cloud.resourceManagerEndpoint.replace(/\/+$/, "");
    this.pipeline = createPipelineFromOptions({ retryOptions: READ_RETRY_OPTIONS });
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential, scopes: [`${cloud.audiences.arm}/.default`] }),
    );
    for (const p of RESPONSE_LIMIT_POLICIES) this.pipeline.addPolicy(p.policy, { afterPhase: "Sign" });
  }

  get(url: string, ctx: CallContext): Promise<PipelineResponse> {
    const request = createPipelineRequest({ url, method: "GET", abortSignal: callSignal(ctx) });
    return this.pipeline.sendRequest(this.client, request);
  }
}

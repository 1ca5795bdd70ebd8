import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { renderGraphMessage } from "../report/email.js";
import { postOnce, type Channel } from "./channel.js";

/** More than this many alerts in one mail is a wall of text; the rest go in the next mail. */
export const EMAIL_MAX_NOTICES = 20;

/**
 * Email through Graph `POST /users/{from}/sendMail` (202). Bearer token for the Graph audience
 * of the configured cloud, and deliberately no retry policy: sendMail is not idempotent, so a
 * blind retry after a timeout could send the mail twice; the outbox retries with backoff instead.
 */
export function emailChannel(
  credential: TokenCredential,
  cloud: CloudProfile,
  mail: { from: string; to: string[] },
  options: { timeoutMs: number; now: () => Date },
): Channel {
  const pipeline: Pipeline = createEmptyPipeline();
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: `${cloud.audiences.graph}/.default` }));
  const http: HttpClient = createDefaultHttpClient();
  return {
    name: "email",
    fits: (notices) => notices.length <= EMAIL_MAX_NOTICES,
    async send(notices, signal) {
      const body = JSON.stringify({ message: renderGraphMessage(notices, mail.to), saveToSentItems: true });
      const url = `${cloud.graphEndpoint}/v1.0/users/${encodeURIComponent(mail.from)}/sendMail`;
      await postOnce(pipeline, http, url, body, { ...options, signal });
    },
  };
}

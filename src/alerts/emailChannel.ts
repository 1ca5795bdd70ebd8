import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { renderGraphMessage } from "../report/email.js";
import { deadline } from "../azure/callContext.js";
import { GraphHttp } from "../azure/graphClient.js";
import { ChannelError, classifyThrown, retryAfterMs, type Channel } from "./channel.js";

/** More than this many alerts in one mail is a wall of text; the rest go in the next mail. */
export const EMAIL_MAX_NOTICES = 20;

/**
 * Email through Graph `POST /users/{from}/sendMail` (202), with the Graph SDK: a token for the Graph
 * audience of the configured cloud, and deliberately no retry: sendMail is not idempotent, so a
 * blind retry after a timeout could send the mail twice; the outbox retries with backoff instead.
 */
export function emailChannel(
  credential: TokenCredential,
  cloud: CloudProfile,
  mail: { from: string; to: string[] },
  options: { timeoutMs: number; now: () => Date },
): Channel {
  const graph = new GraphHttp(credential, cloud);
  return {
    name: "email",
    fits: (notices) => notices.length <= EMAIL_MAX_NOTICES,
    async send(notices, signal) {
      const body = { message: renderGraphMessage(notices, mail.to), saveToSentItems: true };
      const timeout = deadline(options.timeoutMs);
      let reply;
      try {
        reply = await graph.send("POST", `/users/${encodeURIComponent(mail.from)}/sendMail`, body, {
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          timeoutMs: options.timeoutMs,
          maxRetries: 0,
        });
      } catch (e) {
        throw classifyThrown(e);
      }
      if (reply.status < 200 || reply.status >= 300) {
        const headers = { get: (name: string) => reply.headers.get(name) ?? undefined };
        throw new ChannelError(`http-${reply.status}`, false, retryAfterMs(headers, options.now()));
      }
    },
  };
}

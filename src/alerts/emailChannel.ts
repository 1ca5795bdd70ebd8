import { renderGraphMessage } from "../report/email.js";
import type { MessageLinks } from "../report/card.js";
import { deadline } from "../core/callContext.js";
import { ChannelError, classifyThrown, retryAfterMs, type Channel } from "./channel.js";

/** More than this many alerts in one mail is a wall of text; the rest go in the next mail. */
export const EMAIL_MAX_NOTICES = 20;

/** Graph requests as the Graph SDK client sends them (src/azure/graphClient.ts, built by the composition root). */
export interface GraphSender {
  send(
    method: "POST",
    path: string,
    body: unknown,
    options: { signal: AbortSignal; timeoutMs: number; maxRetries: number },
  ): Promise<{ status: number; headers: Headers; text: string }>;
}

/**
 * Email through Graph `POST /users/{from}/sendMail` (202), with the Graph SDK: a token for the Graph
 * audience of the configured cloud, and deliberately no retry: sendMail is not idempotent, so a
 * blind retry after a timeout could send the mail twice; the outbox retries with backoff instead.
 */
export function emailChannel(
  graph: GraphSender,
  mail: { from: string; to: string[] },
  options: { timeoutMs: number; now: () => Date; links?: MessageLinks },
): Channel {
  return {
    name: "email",
    fits: (notices) => notices.length <= EMAIL_MAX_NOTICES,
    async send(notices, signal) {
      const body = { message: renderGraphMessage(notices, mail.to, options.links ?? {}), saveToSentItems: true };
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

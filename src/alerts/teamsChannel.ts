import {
  createDefaultHttpClient,
  createEmptyPipeline,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { renderTeamsPayload, type MessageLinks } from "../report/card.js";
import { postOnce, type Channel } from "./channel.js";

/** Teams' limit for a Workflows webhook message. */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * Teams through a Workflows webhook ("Post to a channel when a webhook request is received").
 * The URL carries a sig= secret: it is held here and nowhere else, never logged (only the host),
 * never stored. The pipeline has no retry policy: a webhook POST is not idempotent, so retries
 * are the outbox's, with backoff and a record of each attempt.
 */
export function teamsChannel(
  webhookUrl: string,
  options: { timeoutMs: number; now: () => Date; links?: MessageLinks },
): Channel {
  const pipeline: Pipeline = createEmptyPipeline();
  const http: HttpClient = createDefaultHttpClient();
  const links = options.links ?? {};
  const post = { timeoutMs: options.timeoutMs, now: options.now };
  return {
    name: "teams",
    fits: (notices) => Buffer.byteLength(JSON.stringify(renderTeamsPayload(notices, links))) <= TEAMS_MAX_BYTES,
    async send(notices, signal) {
      const body = JSON.stringify(renderTeamsPayload(notices, links));
      await postOnce(pipeline, http, webhookUrl, body, { ...post, signal });
    },
  };
}

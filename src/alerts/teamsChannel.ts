import {
  createDefaultHttpClient,
  createEmptyPipeline,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { renderTeamsPayload } from "../report/card.js";
import { postOnce, type Channel } from "./channel.js";

/** Teams' limit for a Workflows webhook message. */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * Teams through a Workflows webhook ("Post to a channel when a webhook request is received").
 * The URL carries a sig= secret: it is held here and nowhere else, never logged (only the host),
 * never stored. The pipeline has no retry policy: a webhook POST is not idempotent, so retries
 * are the outbox's, with backoff and a record of each attempt.
 */
export function teamsChannel(webhookUrl: string, options: { timeoutMs: number; now: () => Date }): Channel {
  const pipeline: Pipeline = createEmptyPipeline();
  const http: HttpClient = createDefaultHttpClient();
  return {
    name: "teams",
    fits: (notices) => Buffer.byteLength(JSON.stringify(renderTeamsPayload(notices))) <= TEAMS_MAX_BYTES,
    async send(notices, signal) {
      const body = JSON.stringify(renderTeamsPayload(notices));
      await postOnce(pipeline, http, webhookUrl, body, { ...options, signal });
    },
  };
}

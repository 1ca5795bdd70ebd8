import { createPipelineRequest, type HttpClient, type Pipeline } from "@azure/core-rest-pipeline";
import type { Notice } from "../core/notifier.js";
import type { ChannelName } from "./store/outbox.js";
import { deadline } from "../core/callContext.js";

/** A way to reach people. `send` delivers one grouped message or throws ChannelError. */
export interface Channel {
  name: ChannelName;
  /** Whether these notices fit in one message (Teams: 28 KB; mail: a readable number). */
  fits(notices: readonly Notice[]): boolean;
  send(notices: readonly Notice[], signal?: AbortSignal): Promise<void>;
}

/**
 * Why a send failed, as a short class that is safe to store and log (never the URL or a body).
 * `ambiguous`: the request may have arrived (timeout, connection dropped): a retry may duplicate.
 */
export class ChannelError extends Error {
  constructor(
    readonly errorClass: string,
    readonly ambiguous: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`channel send failed: ${errorClass}`);
    this.name = "ChannelError";
  }
}

/** Retry-After in seconds or as an HTTP date; retry-after-ms too. */
export function retryAfterMs(headers: { get(name: string): string | undefined }, now: Date): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms >= 0 && headers.get("retry-after-ms") !== undefined) return ms;
  const v = headers.get("retry-after");
  if (v === undefined) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : Math.max(0, d - now.getTime());
}

/** Maps a thrown error (no response) to a class: a timeout or a dropped connection is ambiguous. */
export function classifyThrown(e: unknown): ChannelError {
  if (e instanceof ChannelError) return e;
  const name = (e as { name?: unknown })?.name;
  const code = (e as { code?: unknown })?.code;
  if (name === "AbortError" || name === "TimeoutError") return new ChannelError("timeout", true);
  if (typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)$/.test(code))
    return new ChannelError(`network-${code}`, false);
  if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return new ChannelError(`network-${code}`, true);
  const n = typeof name === "string" && /^[A-Za-z]+$/.test(name) ? name : "Error";
  // A token failure happens before anything is sent: not ambiguous.
  if (/Authentication|Credential/.test(n)) return new ChannelError(`auth-${n}`, false);
  return new ChannelError(`error-${n}`, true);
}

/**
 * One POST of a JSON body, never retried here (webhooks and sendMail are not idempotent: the
 * outbox retries with backoff). A non-2xx reply or a thrown error becomes a ChannelError.
 */
export async function postOnce(
  pipeline: Pipeline,
  http: HttpClient,
  url: string,
  body: string,
  options: { timeoutMs: number; now: () => Date; signal: AbortSignal | undefined },
): Promise<void> {
  const timeout = deadline(options.timeoutMs);
  const request = createPipelineRequest({
    url,
    method: "POST",
    body,
    abortSignal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
  });
  request.headers.set("content-type", "application/json");
  let status: number;
  let wait: number | undefined;
  try {
    const res = await pipeline.sendRequest(http, request);
    status = res.status;
    wait = retryAfterMs(res.headers, options.now());
  } catch (e) {
    throw classifyThrown(e);
  }
  if (status < 200 || status >= 300) throw new ChannelError(`http-${status}`, false, wait);
}

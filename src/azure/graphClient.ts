import {
  AuthenticationHandler,
  Client,
  GraphError,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
  type MiddlewareOptions,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { RestError } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { READ_RETRY_OPTIONS } from "../core/callContext.js";
import { cappedResponse } from "./responseLimit.js";

/**
 * What one Graph request carries through the middleware chain: its signal (the call's timeout and
 * the run's budget), when its time is up, how many retries it may have, and the error that ended it
 * (the SDK wraps a thrown error in a GraphError without a status; the original is what the
 * monitor classifies).
 */
class GraphCall implements MiddlewareOptions {
  failure: unknown = undefined;
  /** Replies received so far: the n-th one, retried, waits the n-th backoff. */
  replies = 0;
  constructor(
    readonly signal: AbortSignal,
    readonly deadlineAt: number,
    readonly maxRetries: number,
  ) {}
}

function callOf(context: Context): GraphCall {
  const call = context.middlewareControl?.getMiddlewareOptions(GraphCall);
  if (!(call instanceof GraphCall)) throw new Error("a Graph request was sent without its call options");
  return call;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const name = (reason as { name?: unknown } | undefined)?.name;
  return (name === "AbortError" || name === "TimeoutError") && reason instanceof Error
    ? reason
    : new DOMException("The operation was aborted.", "AbortError");
}

/**
 * First in the chain: gives the request its signal and ends the call when the signal aborts, also
 * while the token is fetched or the RetryHandler sleeps (neither listens to a signal).
 */
class CallHandler implements Middleware {
  private next!: Middleware;
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const call = callOf(context);
    context.options = { ...context.options, signal: call.signal };
    try {
      if (call.signal.aborted) throw abortError(call.signal);
      const run = this.next.execute(context);
      run.catch(() => undefined); // settles on its own after an abort; its error is not the call's
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(abortError(call.signal));
        call.signal.addEventListener("abort", onAbort, { once: true });
        run.then(resolve, reject).finally(() => call.signal.removeEventListener("abort", onAbort));
      });
    } catch (e) {
      call.failure = e;
      throw e;
    }
  }
}

const RETRIED_STATUSES = new Set([429, 503, 504]);

/** The wait Azure names (retry-after-ms, x-ms-retry-after-ms, Retry-After in seconds or a date), in ms. */
function namedWaitMs(headers: Headers): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = headers.get(name);
    if (v !== null && v.trim() !== "" && Number.isFinite(Number(v)) && Number(v) >= 0) return Number(v);
  }
  const v = headers.get("retry-after");
  if (v === null || v.trim() === "") return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : Math.max(0, d - Date.now());
}

/** Exponential backoff with jitter, as the Azure SDKs' pipelines do, from READ_RETRY_OPTIONS. */
function backoffMs(retry: number): number {
  const clamped = Math.min(READ_RETRY_OPTIONS.maxRetryDelayInMs, READ_RETRY_OPTIONS.retryDelayInMs * 2 ** retry);
  return clamped / 2 + Math.random() * (clamped / 2);
}

/** Replies the RetryHandler leaves alone that the Azure SDKs' pipelines retry on a read (5xx but 501, 505). */
const isTransientStatus = (status: number) =>
  status >= 500 && status !== 501 && status !== 505 && !RETRIED_STATUSES.has(status);
/** Transport failures a read is retried after, as the Azure SDKs' exponential retry does. */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "ENOENT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  RestError.REQUEST_SEND_ERROR,
]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Between the RetryHandler and the wire. The SDK's RetryHandler retries 429, 503 and 504 and waits
 * out `Retry-After` in seconds: this writes into it the wait Azure named in any of its headers, or
 * the backoff when it named none. A read that meets another 5xx or a dropped connection is retried
 * here, with the same backoff and within the same retry count, as every other Azure client of the
 * monitor retries it. Nothing is retried past the call's deadline, nor a request allowed no retries.
 */
class RetryAfterHandler implements Middleware {
  private next!: Middleware;
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const call = callOf(context);
    for (let retry = 0; ; retry++) {
      const canRetry = (wait: number) =>
        call.maxRetries > 0 && retry < call.maxRetries && Date.now() + wait < call.deadlineAt;
      try {
        await this.next.execute(context);
      } catch (e) {
        const wait = backoffMs(retry);
        if (call.signal.aborted || !(e instanceof RestError) || !TRANSIENT_CODES.has(e.code ?? "") || !canRetry(wait))
          throw e;
        await sleep(wait, call.signal);
        continue;
      }
      const status = context.response?.status ?? 0;
      const wait = backoffMs(retry);
      if (!isTransientStatus(status) || !canRetry(wait)) break;
      await sleep(wait, call.signal);
    }
    const response = context.response;
    if (!response || call.maxRetries === 0 || !RETRIED_STATUSES.has(response.status)) return;
    const wait = namedWaitMs(response.headers) ?? backoffMs(call.replies);
    response.headers.set("Retry-After", String(wait / 1000));
  }
}

/** Last in the chain: global fetch, the reply read up to the size limit, transport errors named by code. */
class WireHandler implements Middleware {
  async execute(context: Context): Promise<void> {
    const call = callOf(context);
    try {
      const response = await fetch(context.request as string | Request, context.options);
      context.response = await cappedResponse(response);
      call.replies += 1;
    } catch (e) {
      if (call.signal.aborted) throw abortError(call.signal);
      if (e instanceof RestError) throw e;
      // undici: TypeError("fetch failed", { cause: { code: "ECONNRESET", ... } })
      const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
      const code = typeof cause?.code === "string" ? cause.code : RestError.REQUEST_SEND_ERROR;
      const message = typeof cause?.message === "string" ? cause.message : e instanceof Error ? e.message : String(e);
      throw new RestError(message, { code });
    }
  }
}

export interface GraphReply {
  status: number;
  headers: Headers;
  text: string;
}

export interface GraphRequestOptions {
  /** The call's signal (its timeout and the run's budget). */
  signal: AbortSignal;
  /** The call's own timeout: a retry whose wait ends later is not made. */
  timeoutMs: number;
  /** 0 for a request that is not idempotent (addPassword, removePassword, sendMail). */
  maxRetries: number;
}

/**
 * Microsoft Graph through the Graph SDK (`@microsoft/microsoft-graph-client`): its
 * AuthenticationHandler over our TokenCredential (the cloud's Graph audience), its RetryHandler for
 * 429/503/504 (Retry-After honoured), reads retried after other 5xx and dropped connections, our
 * signal, deadline and reply size limit. The cloud's Graph
 * host is a custom host: without it the SDK sends no Authorization header to a host that is not
 * one of its own (a Custom cloud, the emulator).
 */
export class GraphHttp {
  private readonly client: Client;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    const auth = new TokenCredentialAuthenticationProvider(credential, {
      scopes: [`${cloud.audiences.graph}/.default`],
    });
    this.client = Client.initWithMiddleware({
      baseUrl: cloud.graphEndpoint,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(cloud.graphEndpoint).hostname]),
      middleware: [
        new CallHandler(),
        new AuthenticationHandler(auth),
        new RetryHandler(new RetryHandlerOptions(0, READ_RETRY_OPTIONS.maxRetries)),
        new RetryAfterHandler(),
        new WireHandler(),
      ],
    });
  }

  /** One request; any HTTP status is a reply, a failure to get one throws (abort, network, token). */
  async send(method: "GET" | "POST", path: string, body: unknown, options: GraphRequestOptions): Promise<GraphReply> {
    const call = new GraphCall(options.signal, Date.now() + options.timeoutMs, options.maxRetries);
    const retry = new RetryHandlerOptions(0, options.maxRetries, (_delay, _attempt, _request, _options, response) => {
      const wait = Number(response.headers.get("Retry-After")) * 1000;
      return !call.signal.aborted && Number.isFinite(wait) && Date.now() + wait < call.deadlineAt;
    });
    const request = this.client
      .api(path)
      .header("accept", "application/json")
      .responseType(ResponseType.RAW)
      .middlewareOptions([call, retry]);
    try {
      const response = (await (method === "GET" ? request.get() : request.post(body))) as Response;
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (e) {
      throw call.failure ?? e;
    }
  }
}

/** The JSON body of a 2xx reply (undefined when empty); any other status throws a GraphError. */
export function graphJson(reply: GraphReply, what: string): unknown {
  if (reply.status < 200 || reply.status >= 300) {
    const e = new GraphError(reply.status, `Graph ${what} answered ${reply.status}`);
    e.code = graphErrorCode(reply.text) ?? null;
    e.body = reply.text;
    e.headers = reply.headers;
    throw e;
  }
  return reply.status === 204 || reply.text === "" ? undefined : JSON.parse(reply.text);
}

function graphErrorCode(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";

type AbortSignalLike = NonNullable<GetTokenOptions["abortSignal"]>;

/** Refresh this long before a token expires when Entra does not say when (refresh_in). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** A shared token request that has not settled by then is dropped, so the next caller asks again. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

export interface TokenCacheOptions {
  /** epoch ms; a parameter so tests move time instead of sleeping */
  now?: () => number;
  refreshMarginMs?: number;
  requestTimeoutMs?: number;
}

interface Entry {
  token?: AccessToken;
  pending?: Promise<AccessToken>;
}

/** What makes two requests ask for the same token: the scopes as a set, the tenant, CAE or not. */
function keyOf(scopes: string | string[], options: GetTokenOptions | undefined): string {
  const s = (Array.isArray(scopes) ? scopes : [scopes]).map((x) => x.trim()).sort();
  return JSON.stringify([s, options?.tenantId ?? "", options?.enableCae === true]);
}

/** The signal's reason when it is an Error (a TimeoutError from the run's deadline), else an AbortError. */
function abortError(signal: AbortSignalLike): Error {
  const reason = (signal as { reason?: unknown }).reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
}

/** `p`, or the caller's abort: one caller giving up does not end the request the others wait for. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * One token cache for every client of the process. The SDK clients each keep their own token (and
 * the Graph client none), so on a cold start each asked the credential at once and MSAL sent one
 * request per caller. Here concurrent requests for the same scopes and tenant share one promise; a
 * token is reused until Entra's `refresh_in` (refreshAfterTimestamp) or `refreshMarginMs` before
 * it expires; a failed request is forgotten, so the next call asks again. A refresh that fails
 * while the old token is still valid hands out the old token. A request with `claims` (a CAE
 * challenge) always goes to the credential, and its token replaces the cached one.
 */
/** The credential a shared cache wraps, however many caches are stacked on it. */
const ROOT = Symbol("keeper-monitor.rootCredential");

/**
 * The innermost credential under the shared caches stacked on `credential` (itself when none): a
 * process-wide key for what is built once per credential, whichever wrapper a client was handed.
 */
export function rootCredential(credential: TokenCredential): TokenCredential {
  return (credential as { [ROOT]?: TokenCredential })[ROOT] ?? credential;
}

export function sharedTokenCredential(inner: TokenCredential, opts: TokenCacheOptions = {}): TokenCredential {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? REFRESH_MARGIN_MS;
  const timeoutMs = opts.requestTimeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS;
  const entries = new Map<string, Entry>();
  const refreshAt = (t: AccessToken) => t.refreshAfterTimestamp ?? t.expiresOnTimestamp - margin;

  const request = (key: string, scopes: string | string[], options: GetTokenOptions | undefined) => {
    const entry = entries.get(key) ?? {};
    entries.set(key, entry);
    const { abortSignal: _caller, ...shared } = options ?? {};
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = Object.assign(new Error(`The token request timed out after ${timeoutMs} ms.`), {
          name: "TimeoutError",
        });
        reject(e); // first: the caller hears of the timeout, not of the abort it causes
        controller.abort(e);
      }, timeoutMs);
      timer.unref();
    });
    const pending = Promise.race([inner.getToken(scopes, { ...shared, abortSignal: controller.signal }), timeout])
      .then((t) => {
        if (!t) throw new Error(`The credential returned no token for ${JSON.stringify(scopes)}.`);
        entry.token = t;
        return t;
      })
      .finally(() => {
        clearTimeout(timer);
        if (entry.pending === pending) entry.pending = undefined;
      });
    entry.pending = pending;
    return pending;
  };

  const shared: TokenCredential & { [ROOT]: TokenCredential } = {
    [ROOT]: rootCredential(inner),
    async getToken(scopes, options) {
      const key = keyOf(scopes, options);
      if (options?.claims) return untilAborted(request(key, scopes, options), options.abortSignal);
      const entry = entries.get(key);
      const t = now();
      if (entry?.token && t < refreshAt(entry.token)) return entry.token;
      const old = entry?.token;
      const pending = entry?.pending ?? request(key, scopes, options);
      const fresh = old && t < old.expiresOnTimestamp ? pending.catch(() => old) : pending;
      return untilAborted(fresh, options?.abortSignal);
    },
  };
  return shared;
}

const DISCOVERY_PATH = /\/(\.well-known\/openid-configuration|common\/discovery\/instance)$/i;
/** As long as MSAL itself keeps an authority's metadata. */
const DISCOVERY_TTL_MS = 24 * 3_600_000;

interface Snapshot {
  status: number;
  headers: Record<string, string>;
  bodyAsText: string | undefined;
}

/**
 * The credential's HTTP client, sharing authority discovery (the OpenID document, instance
 * discovery) across every MSAL application and request of the process: MSAL keeps the document
 * per application (a CAE one and a plain one) and fetches it once per request until one has
 * returned. A document is kept for a day; a failed or non-200 fetch is not kept. Every other
 * request passes through untouched.
 */
export function sharedDiscoveryHttpClient(
  inner: HttpClient = createDefaultHttpClient(),
  now: () => number = Date.now,
): HttpClient {
  const docs = new Map<string, { at: number; snapshot: Promise<Snapshot> }>();
  const answer = (request: PipelineRequest, s: Snapshot): PipelineResponse => ({
    request,
    status: s.status,
    headers: createHttpHeaders(s.headers),
    bodyAsText: s.bodyAsText,
  });
  return {
    async sendRequest(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" || !DISCOVERY_PATH.test(path)) return inner.sendRequest(request);
      const key = request.url;
      const held = docs.get(key);
      if (held && now() - held.at < DISCOVERY_TTL_MS) return answer(request, await held.snapshot);
      const snapshot = inner.sendRequest(request).then((r) => ({
        status: r.status,
        headers: r.headers.toJSON(),
        bodyAsText: r.bodyAsText ?? undefined,
      }));
      const mine = { at: now(), snapshot };
      docs.set(key, mine);
      const forget = () => {
        if (docs.get(key) === mine) docs.delete(key);
      };
      snapshot.then((s) => s.status !== 200 && forget(), forget);
      return answer(request, await snapshot);
    },
  };
}

/** The audiences a run reaches, asked as its clients ask (see warmTokens). */
export type Audience = "arm" | "graph" | "logAnalytics";

/**
 * Asks the shared credential for the tokens a run is about to need, all at once and without
 * waiting: the Log Analytics client asks for its token only after the workspace read that gives
 * it the workspace id, so on a cold start its token request would be one round trip later. The
 * requests join the clients' own (same scope, same CAE flag: Azure SDK clients ask with
 * `enableCae: true`, the Graph client without). A failure is dropped here; the client's own
 * request asks again and reports it.
 */
export function warmTokens(
  credential: TokenCredential,
  audiences: Record<Audience, string>,
  which: readonly Audience[],
): void {
  for (const a of which) {
    const options = a === "graph" ? undefined : { enableCae: true };
    credential.getToken(`${audiences[a]}/.default`, options).catch(() => undefined);
  }
}

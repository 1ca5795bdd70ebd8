import { randomUUID } from "node:crypto";
import { request as httpsRequest, createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { AUDIENCE, IDS, KEY_VAULT_SECRET_NAME } from "./constants.js";
import { generateCertificate } from "./cert.js";
import type { EmuRequest, EmuResponse, RouteContext, Service } from "./http.js";
import { entraSecret, randomHex, seededRandom } from "./random.js";
import { armError, armRoute } from "./routes/arm.js";
import { graphError, graphRoute } from "./routes/graph.js";
import { ingestionError, ingestionRoute } from "./routes/ingestion.js";
import { logsError, logsRoute } from "./routes/logs.js";
import { teamsError, teamsRoute } from "./routes/teams.js";
import { vaultError, vaultRoute } from "./routes/vault.js";
import { findScenario } from "./scenarios.js";
import type { Grant } from "./rbac.js";
import { createHealthyState, type EmulatorState, type Identity } from "./state.js";
import { seedFleet, type FleetOptions } from "./fleet.js";
import { aadError, TokenStore, tokenRoute } from "./tokens.js";
import { HOLIDAYS, makeKeeperEvent } from "./traffic.js";

export type { Service } from "./http.js";

export interface EmulatorOptions {
  port?: number;
  tls?: { key: string; cert: string };
  scenario?: string;
  now?: () => Date;
  latencyMs?: number;
  seed?: number;
  /**
   * A world of many Keeper connectors (emulator/fleet.ts), kept by applyScenario; absent or
   * `connectors: 1`: the healthy world's one connector.
   */
  fleet?: FleetOptions;
  /** Items per page of ARM lists (default 2: every client follows nextLink). */
  armPageSize?: number;
  /**
   * Throttle ARM reads as Azure Resource Manager does: a token bucket per security principal
   * (one subscription, one region here), `bucket` tokens refilled at `refillPerSecond`; a read
   * with no token left is answered 429 with Retry-After. Azure's limits for reads are 250 and 25
   * ("Understand how Azure Resource Manager throttles requests",
   * https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
   * Off by default.
   */
  armReadThrottle?: { bucket: number; refillPerSecond: number };
  /** Enforce the monitor identity's RBAC: these grants only (see emulator/rbac.ts grantsFromTemplate). */
  monitorGrants?: Grant[];
}

export interface FaultRule {
  service?: Service;
  method?: string;
  path?: RegExp;
  status?: number;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  delayMs?: number;
  hang?: boolean;
  /** Drop the connection without a reply (a reset, as a load balancer may). */
  reset?: boolean;
  malformed?: boolean;
  /** Serve this reply body with status 200 (a string as is, anything else as JSON): a 200 of the wrong shape. */
  body?: unknown;
  /**
   * Answer 200 with a valid JSON body of about this many bytes, streamed in chunks without a
   * Content-Length (as a huge reply may come); stops writing when the client goes away.
   */
  oversizeBytes?: number;
  times?: number;
}

export interface CallRecord {
  service: Service;
  method: string;
  /** pathname */
  path: string;
  /** raw query string without "?" */
  query: string;
  /** HTTP status; 0 while unanswered (hang) or when the connection was dropped */
  status: number;
  /** emulator clock, ISO */
  at: string;
  /**
   * The JSON body of a Graph POST, as sent (what the client asked for, to hold against Graph's
   * documented request). Graph requests carry no secret; other services' bodies are not kept.
   */
  graphBody?: unknown;
  /**
   * What a token request asked for: the client, the scope, and whether it authenticated with a
   * client assertion (never the secret or the assertion itself).
   */
  tokenRequest?: { clientId: string; scope: string; assertion: boolean };
}

export interface KeeperPushResult {
  /** status of Keeper's token request */
  tokenStatus: number;
  /** AADSTS error body when the token request failed */
  tokenError?: unknown;
  /** status of the ingestion POST; 0 if the endpoint did not answer (no token, or connection dropped) */
  status: number;
  body?: unknown;
}

export interface Emulator {
  url: string;
  caPem: string;
  state: EmulatorState;
  settings: Record<string, string>;
  /**
   * The environment a Function App's managed identity gets from the platform: the identity
   * endpoint (served here, at /msi/token) and its header. With these set and AZURE_CLIENT_SECRET
   * left out, DefaultAzureCredential asks the endpoint for the user-assigned identity's tokens, as in
   * Azure. IDENTITY_HEADER is a secret.
   */
  managedIdentity: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  secrets(): string[];
  applyScenario(name: string): void;
  /** `remove` takes back one rule added earlier (the same object), keeping what is left of the others' `times`. */
  faults: { add(f: FaultRule): void; clear(): void; remove(f: FaultRule): void };
  calls: CallRecord[];
  resetCalls(): void;
  stop(): Promise<void>;
  /** Extra: act like Keeper (token with the Keeper app's configured secret, then a gzipped POST). */
  keeperPush(rows?: Array<Record<string, unknown>>): Promise<KeeperPushResult>;
  /** Extra: the Teams Workflows webhook URL (it carries a sig: a secret). */
  teamsWebhookUrl: string;
  /** Extra: revoke every access token issued so far (clients must fetch new ones). */
  expireTokens(): void;
  /** The grants enforced for the monitor (the array given in the options; edit it to take one away). */
  monitorGrants: Grant[] | undefined;
}

function classify(path: string): Service {
  if (/^\/(v1\.0|beta)(\/|$)/i.test(path)) return "graph";
  if (/^\/v1\//i.test(path)) return "logs";
  if (/^\/secrets(\/|$)/i.test(path)) return "vault";
  if (/^\/dataCollectionRules\//i.test(path)) return "ingestion";
  if (/^\/workflows\//i.test(path)) return "teams";
  if (/^\/(subscriptions|providers)(\/|$)/i.test(path)) return "arm";
  return "token";
}

/**
 * ARM request paths are canonical: every official example in Azure/azure-rest-api-specs
 * (specification/<service>/resource-manager/.../examples) has single slashes, and nothing documents that ARM
 * accepts "//subscriptions/...". Refused, so a client that doubles a slash fails a test here instead
 * of in somebody's tenant.
 */
function nonCanonicalPath(rawUrl: string): EmuResponse {
  const path = rawUrl.split("?")[0]!;
  return {
    status: 400,
    body: {
      error: {
        code: "InvalidRequestUri",
        message: `The request URI '${path}' is not valid: it has an empty path segment.`,
      },
    },
  };
}

/** A 200 JSON body of about `bytes` bytes: one long string, written 64 KB at a time. */
function streamOversize(res: ServerResponse, bytes: number, rec: CallRecord): void {
  rec.status = 200;
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
  const chunk = "x".repeat(64 * 1024);
  let left = bytes;
  res.write('{"id":"oversize","properties":{"description":"');
  const more = () => {
    while (left > 0 && !res.destroyed) {
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    if (!res.destroyed) res.end('"}}');
  };
  res.on("close", () => (left = 0));
  more();
}

function faultBody(
  service: Service,
  status: number,
  ctx: RouteContext,
  req: EmuRequest,
  headers: Record<string, string>,
): EmuResponse {
  const throttled = status === 429;
  const unavailable = status === 503;
  switch (service) {
    case "token": {
      const r = aadError(
        ctx,
        status,
        throttled ? "temporarily_unavailable" : "server_error",
        throttled ? 50196 : 90024,
        throttled
          ? "The server terminated an operation because it encountered a client request loop."
          : "A transient error has occurred. Please try again.",
      );
      return { ...r, headers: { ...r.headers, ...headers } };
    }
    case "arm":
      return armError(
        status,
        throttled
          ? "TooManyRequests"
          : unavailable
            ? "ServiceUnavailable"
            : status >= 500
              ? "InternalServerError"
              : "BadRequest",
        throttled
          ? "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00."
          : `The server responded with status ${status}.`,
        headers,
      );
    case "graph":
      return graphError(
        req,
        status,
        throttled
          ? "TooManyRequests"
          : unavailable
            ? "serviceNotAvailable"
            : status >= 500
              ? "generalException"
              : "BadRequest",
        throttled ? "Too many requests." : "The service is temporarily unavailable.",
        headers,
      );
    case "logs": {
      const r = logsError(
        status,
        throttled
          ? "ThrottledError"
          : unavailable
            ? "ServiceUnavailableError"
            : status >= 500
              ? "InternalServerError"
              : "BadArgumentError",
        throttled ? "Your request was throttled. Please try again later." : "The service is unavailable.",
      );
      return { ...r, headers: { ...headers } };
    }
    case "vault":
      return vaultError(
        status,
        throttled
          ? "Throttled"
          : unavailable
            ? "ServiceUnavailable"
            : status >= 500
              ? "InternalServerError"
              : "BadParameter",
        throttled
          ? "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"
          : "The service is unavailable.",
        headers,
      );
    case "ingestion": {
      const r = ingestionError(
        status,
        throttled
          ? "TooManyRequests"
          : unavailable
            ? "ServiceUnavailable"
            : status >= 500
              ? "InternalServerError"
              : "BadRequest",
        throttled
          ? "Too many requests. Please retry after the time specified in the Retry-After header."
          : "The service is unavailable.",
      );
      return { ...r, headers: { ...headers } };
    }
    case "teams": {
      const r = teamsError(
        status,
        throttled ? "WorkflowTriggerIsThrottled" : "ServiceUnavailable",
        throttled ? "The workflow trigger is throttled." : "The service is unavailable.",
      );
      return { ...r, headers: { ...headers } };
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const tls = opts.tls ?? (await generateCertificate());
  const clock = opts.now ?? (() => new Date());
  const nowMs = () => clock().getTime();
  const seed = opts.seed ?? 1;
  const jitter = seededRandom(seed ^ 0x5bd1e995);
  const latencyMs = opts.latencyMs ?? 0;
  const tokens = new TokenStore(tls.key, tls.cert);
  const calls: CallRecord[] = [];
  const faultRules: Array<{ rule: FaultRule; remaining: number }> = [];
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  let stopping = false;

  const server: Server = createServer({ key: tls.key, cert: tls.cert });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("emulator: no address");
  const url = `https://127.0.0.1:${addr.port}`;

  const identity: Identity = {
    url,
    monitorSecret: entraSecret(),
    keeperSecret: entraSecret(),
    keeperOldSecret: entraSecret(),
    customerKeeperSecret: entraSecret(),
    teamsSig: randomHex(16) + randomHex(6),
    identityHeader: randomUUID(),
    seed,
  };
  const healthy = () => {
    const s = createHealthyState(identity, nowMs());
    if (opts.fleet && opts.fleet.connectors > 1) seedFleet(s, identity, nowMs(), opts.fleet);
    return s;
  };
  const state = healthy();
  const ctx: RouteContext = {
    url,
    state,
    identity,
    tokens,
    now: nowMs,
    ...(opts.monitorGrants ? { monitorGrants: opts.monitorGrants } : {}),
    ...(opts.armPageSize ? { armPageSize: opts.armPageSize } : {}),
  };

  const applyScenario = (name: string) => {
    const sc = findScenario(name);
    const fresh = healthy();
    for (const k of Object.keys(state)) delete (state as unknown as Record<string, unknown>)[k];
    Object.assign(state, fresh);
    sc.apply(state, { now: nowMs(), identity });
  };
  if (opts.scenario && opts.scenario !== "healthy") applyScenario(opts.scenario);

  const route = (req: EmuRequest): EmuResponse => {
    switch (req.service) {
      case "token":
        return tokenRoute(ctx, req);
      case "arm":
        return armRoute(ctx, req);
      case "graph":
        return graphRoute(ctx, req);
      case "logs":
        return logsRoute(ctx, req);
      case "vault":
        return vaultRoute(ctx, req);
      case "ingestion":
        return ingestionRoute(ctx, req);
      case "teams":
        return teamsRoute(ctx, req);
    }
  };

  const buckets = new Map<string, { tokens: number; at: number }>();
  /** The ARM read throttle's answer for this request, when its principal has no token left. */
  const armThrottled = (req: EmuRequest): EmuResponse | undefined => {
    const t = opts.armReadThrottle;
    if (!t || req.service !== "arm" || req.method !== "GET") return undefined;
    const who = tokens.check(req, [AUDIENCE.arm, "https://management.core.windows.net"]);
    if (!who.ok) return undefined; // the route answers 401
    const now = Date.now();
    const b = buckets.get(who.info.oid) ?? { tokens: t.bucket, at: now };
    b.tokens = Math.min(t.bucket, b.tokens + ((now - b.at) / 1000) * t.refillPerSecond);
    b.at = now;
    buckets.set(who.info.oid, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    const wait = Math.max(1, Math.ceil((1 - b.tokens) / t.refillPerSecond));
    return faultBody("arm", 429, ctx, req, { "Retry-After": String(wait) });
  };

  const send = (res: ServerResponse, r: EmuResponse, rec: CallRecord) => {
    if (r.destroy) {
      rec.status = 0;
      res.socket?.destroy();
      return;
    }
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    let payload: Buffer | undefined;
    if (r.body !== undefined && r.body !== null) {
      if (Buffer.isBuffer(r.body)) payload = r.body;
      else if (typeof r.body === "string") payload = Buffer.from(r.body);
      else {
        payload = Buffer.from(JSON.stringify(r.body));
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
          headers["Content-Type"] = "application/json; charset=utf-8";
      }
    }
    if (payload) headers["Content-Length"] = String(payload.length);
    else if (r.status !== 204) headers["Content-Length"] = "0";
    rec.status = r.status;
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const rawUrl = req.url ?? "/";
        const u = new URL(`${url}${rawUrl.replace(/^\/+/, "/")}`);
        let path: string;
        try {
          path = decodeURIComponent(u.pathname);
        } catch {
          path = u.pathname;
        }
        path = path.replace(/\/{2,}/g, "/");
        const service = classify(path);
        const rec: CallRecord = {
          service,
          method: req.method ?? "GET",
          path,
          query: u.search.replace(/^\?/, ""),
          status: 0,
          at: new Date(nowMs()).toISOString(),
        };
        if (service === "graph" && rec.method === "POST") {
          try {
            rec.graphBody = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            /* not JSON: the route answers 400 */
          }
        }
        if (service === "token" && rec.method === "POST") {
          const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
          rec.tokenRequest = {
            clientId: form.get("client_id") ?? "",
            scope: form.get("scope") ?? "",
            assertion: form.has("client_assertion"),
          };
        }
        calls.push(rec);
        const ereq: EmuRequest = {
          method: (req.method ?? "GET").toUpperCase(),
          path,
          query: u.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks),
          service,
        };
        try {
          if (latencyMs > 0) await sleep(latencyMs * (0.8 + 0.4 * jitter()));
          const hit = faultRules.find(
            ({ rule, remaining }) =>
              remaining > 0 &&
              (rule.service === undefined || rule.service === service) &&
              (rule.method === undefined || rule.method.toUpperCase() === ereq.method) &&
              (rule.path === undefined || rule.path.test(path)),
          );
          if (hit) {
            hit.remaining--;
            const f = hit.rule;
            if (f.delayMs) await sleep(f.delayMs);
            if (f.reset) {
              send(res, { status: 0, destroy: true }, rec);
              return;
            }
            if (f.hang) {
              hung.add(res);
              res.on("close", () => hung.delete(res));
              return;
            }
            if (f.oversizeBytes) {
              streamOversize(res, f.oversizeBytes, rec);
              return;
            }
            if (f.malformed) {
              send(
                res,
                {
                  status: 200,
                  headers: { "Content-Type": "application/json; charset=utf-8" },
                  body: '{"value":[{"id":"/subscriptions/trunc',
                },
                rec,
              );
              return;
            }
            if (f.body !== undefined) {
              send(
                res,
                {
                  status: 200,
                  headers: { "Content-Type": "application/json; charset=utf-8" },
                  body: typeof f.body === "string" ? f.body : JSON.stringify(f.body),
                },
                rec,
              );
              return;
            }
            if (f.status) {
              const headers: Record<string, string> = {};
              if (f.retryAfterSeconds !== undefined) headers["Retry-After"] = String(f.retryAfterSeconds);
              if (f.retryAfterMs !== undefined) headers["retry-after-ms"] = String(f.retryAfterMs);
              send(res, faultBody(service, f.status, ctx, ereq, headers), rec);
              return;
            }
          }
          if (stopping) return;
          const throttled = armThrottled(ereq);
          if (throttled) {
            send(res, throttled, rec);
            return;
          }
          send(
            res,
            service === "arm" && /\/\//.test(rawUrl.split("?")[0]!) ? nonCanonicalPath(rawUrl) : route(ereq),
            rec,
          );
        } catch (e) {
          send(
            res,
            {
              status: 500,
              body: { error: { code: "InternalServerError", message: `emulator: ${(e as Error).message}` } },
            },
            rec,
          );
        }
      })();
    });
  });

  const keeperPush = async (rows?: Array<Record<string, unknown>>): Promise<KeeperPushResult> => {
    const k = state.keeper;
    const post = (target: string, body: Buffer, headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const r = httpsRequest(
          target,
          { method: "POST", ca: tls.cert, headers: { ...headers, "Content-Length": String(body.length) } },
          (resp) => {
            const cs: Buffer[] = [];
            resp.on("data", (c: Buffer) => cs.push(c));
            resp.on("end", () => resolve({ status: resp.statusCode ?? 0, body: Buffer.concat(cs).toString("utf8") }));
          },
        );
        r.on("error", () => resolve({ status: 0, body: "" }));
        r.end(body);
      });
    const form = new URLSearchParams({
      client_id: k.appId,
      client_secret: k.clientSecret,
      scope: `${AUDIENCE.ingestion}/.default`,
      grant_type: "client_credentials",
    });
    const tok = await post(`${url}/${k.tenantId}/oauth2/v2.0/token`, Buffer.from(form.toString()), {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    const parse = (s: string) => {
      try {
        return JSON.parse(s);
      } catch {
        return s || undefined;
      }
    };
    if (tok.status !== 200) return { tokenStatus: tok.status, tokenError: parse(tok.body), status: 0 };
    const accessToken = (parse(tok.body) as { access_token: string }).access_token;
    const rnd = seededRandom(Math.floor(nowMs() / 1000));
    const payload =
      rows ??
      [1, 2].map(() => {
        const e = makeKeeperEvent(rnd, nowMs());
        return {
          audit_event: e["AuditEvent"],
          remote_address: e["RemoteAddress"],
          category: e["Category"],
          client_version: e["ClientVersion"],
          enterprise_id: e["EnterpriseId"],
          username: e["Username"],
          timestamp: new Date(e["Timestamp"] as number).toISOString(),
          data: e["Data"],
        };
      });
    const target = `${k.endpoint.replace(/\/+$/, "")}/dataCollectionRules/${k.dcrImmutableId}/streams/${k.stream}?api-version=2023-01-01`;
    // the DCE host must still exist: a re-created/deleted DCE leaves Keeper posting to a dead host
    const r = await post(target, gzipSync(Buffer.from(JSON.stringify(payload))), {
      "Content-Type": "application/json",
      "Content-Encoding": "gzip",
      Authorization: `Bearer ${accessToken}`,
      "x-ms-client-request-id": randomUUID(),
    });
    return { tokenStatus: 200, status: r.status, body: parse(r.body) };
  };

  const settings: Record<string, string> = {
    AZURE_CLOUD: "Custom",
    AZURE_AUTHORITY_HOST: url,
    AZURE_RESOURCE_MANAGER_ENDPOINT: url,
    MICROSOFT_GRAPH_ENDPOINT: url,
    LOG_ANALYTICS_ENDPOINT: url,
    AZURE_TENANT_ID: state.tenantId,
    AZURE_CLIENT_ID: state.apps[0]!.appId,
    AZURE_CLIENT_SECRET: identity.monitorSecret,
    KEEPER_TENANT_ID: state.tenantId,
    KEEPER_APP_ID: state.keeper.appId,
    KEEPER_DCR_RESOURCE_ID: IDS.dcr,
    KEEPER_DCR_IMMUTABLE_ID: state.keeper.dcrImmutableId,
    KEEPER_DCE_URI: url,
    KEEPER_WORKSPACE_RESOURCE_ID: IDS.workspace,
    KEY_VAULT_URI: `${url}/`,
    KEY_VAULT_SECRET_NAME,
    // the holidays the emulated Keeper traffic keeps, as the security engineer would list them
    HOLIDAYS: HOLIDAYS.join(","),
  };

  return {
    url,
    caPem: tls.cert,
    state,
    settings,
    managedIdentity: { IDENTITY_ENDPOINT: `${url}/msi/token`, IDENTITY_HEADER: identity.identityHeader },
    secrets: () => {
      const out = new Set<string>([
        identity.monitorSecret,
        identity.keeperSecret,
        identity.keeperOldSecret,
        identity.customerKeeperSecret,
        identity.teamsSig,
        identity.identityHeader,
        state.keeper.clientSecret,
        state.teams.sig,
      ]);
      for (const a of state.apps) for (const c of a.passwordCredentials) out.add(c.secretText);
      for (const d of state.otherTenants)
        for (const a of d.apps) for (const c of a.passwordCredentials) out.add(c.secretText);
      for (const s of Object.values(state.vault.secrets)) for (const v of s.versions) out.add(v.value);
      for (const t of tokens.issued.keys()) out.add(t);
      return [...out].filter(Boolean);
    },
    applyScenario,
    faults: {
      add: (f) => {
        faultRules.push({ rule: f, remaining: f.times ?? Number.POSITIVE_INFINITY });
      },
      clear: () => {
        faultRules.length = 0;
      },
      remove: (f) => {
        const i = faultRules.findIndex((x) => x.rule === f);
        if (i >= 0) faultRules.splice(i, 1);
      },
    },
    calls,
    resetCalls: () => {
      calls.length = 0;
    },
    stop: async () => {
      stopping = true;
      for (const r of hung) r.socket?.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
    keeperPush,
    teamsWebhookUrl: `${url}/workflows/${state.teams.workflowId}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${identity.teamsSig}`,
    expireTokens: () => tokens.expireAll(),
    monitorGrants: opts.monitorGrants,
  };
}

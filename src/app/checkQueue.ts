import type { TokenCredential } from "@azure/core-auth";
import { createTableClient } from "../azure/tableStorage.js";
import { createTextQueue, type TextQueue } from "../azure/queueStorage.js";
import { TargetLeases, type LeaseResult } from "../azure/leases.js";
import { storageOf } from "../config/storage.js";
import { mapLimit } from "../core/mapLimit.js";
import { TARGET_KEY } from "./target.js";

/** The queue the timers hand one check per target to, and the host's queue for those that kept failing. */
export const CHECK_QUEUE = "keeper-monitor-checks";
export const POISON_QUEUE = `${CHECK_QUEUE}-poison`;
/** The table of per-target leases. */
export const LEASE_TABLE = "keepermonitorleases";
/**
 * The host moves a message to the poison queue after this many failed tries (host.json
 * `extensions.queues.maxDequeueCount`; https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages).
 */
export const MAX_DEQUEUE_COUNT = 5;
/** A lease outlives the host's function timeout (host.json functionTimeout, 10 min). */
export const LEASE_TTL_MS = 11 * 60_000;
/** A check not started within an hour is dropped: a later tick has queued a newer one. */
const MESSAGE_TTL_SECONDS = 3600;

/**
 * The checks a timer hands out per target: the ones that call Azure. Alert delivery and the
 * digest read a target's own tables (every minute, every day) and stay in the timer.
 */
export const CHECK_JOBS = ["driftCheck", "ingestionWatch", "secretRotation"] as const;
export type CheckJob = (typeof CHECK_JOBS)[number];

/** One check of one target at one scheduled tick. */
export interface CheckMessage {
  v: 1;
  job: CheckJob;
  target: string;
  /** the workspace the target's connector is in, so a new instance looks up only that one */
  workspace: string;
  /** ISO time of the timer tick that queued it */
  tick: string;
}

const WORKSPACE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.OperationalInsights\/workspaces\/[-\w]{1,63}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const MAX_MESSAGE = 2048;

/**
 * A check message from the queue: anyone who can write to the queue can write one, so every field
 * is checked and nothing else is taken. The host hands a JSON message over parsed; a message read
 * back from a queue is base64 (the host's default encoding) or plain JSON.
 */
export function parseCheckMessage(body: unknown): { ok: true; message: CheckMessage } | { ok: false; why: string } {
  let value: unknown = body;
  if (typeof value === "string") {
    if (value.length > MAX_MESSAGE) return { ok: false, why: `longer than ${MAX_MESSAGE} characters` };
    const text = value.trim().startsWith("{") ? value : Buffer.from(value, "base64").toString("utf8");
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, why: "not JSON" };
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, why: "not a JSON object" };
  const m = value as Record<string, unknown>;
  if (m["v"] !== 1) return { ok: false, why: "unknown version" };
  if (typeof m["job"] !== "string" || !(CHECK_JOBS as readonly string[]).includes(m["job"]))
    return { ok: false, why: "unknown check" };
  if (typeof m["target"] !== "string" || !TARGET_KEY.test(m["target"])) return { ok: false, why: "not a target key" };
  if (typeof m["workspace"] !== "string" || !WORKSPACE_ID.test(m["workspace"]))
    return { ok: false, why: "not a workspace resource id" };
  if (typeof m["tick"] !== "string" || !ISO.test(m["tick"]) || Number.isNaN(Date.parse(m["tick"])))
    return { ok: false, why: "not an ISO time" };
  return {
    ok: true,
    message: { v: 1, job: m["job"] as CheckJob, target: m["target"], workspace: m["workspace"], tick: m["tick"] },
  };
}

/** A check the host set aside after MAX_DEQUEUE_COUNT failed tries. */
export interface SetAside {
  target: string;
  job: CheckJob;
  tick: string;
}

/** The queue of checks, its poison queue and the leases, on the Function App's storage. */
export interface CheckQueue {
  /** Sends one message per check; returns those that could not be sent. */
  enqueue: (messages: readonly CheckMessage[]) => Promise<CheckMessage[]>;
  lease: (m: CheckMessage) => Promise<LeaseResult>;
  /** The set-aside checks as they are now (peeked: nothing changes), at most 32. */
  setAside: () => Promise<{ items: SetAside[]; total: number }>;
  /**
   * Removes set-aside checks that no longer say anything: one of the same check and target has
   * completed since, or a newer one is also set aside. What stays is what is still failing.
   */
  prune: () => Promise<{ kept: SetAside[]; removed: number }>;
}

/** At most this many messages are sent at once. */
const SEND_CONCURRENCY = 16;

/**
 * The check queue on AzureWebJobsStorage, or undefined when the storage settings name no Queue
 * service (then the timers check every target themselves).
 */
export function checkQueueFrom(
  env: Record<string, string | undefined>,
  credential: TokenCredential | undefined,
  now: () => Date,
  holder: string,
): CheckQueue | undefined {
  const storage = storageOf(env);
  if (!storage || (storage.kind === "identity" && !credential)) return undefined;
  const work = createTextQueue(storage, credential, CHECK_QUEUE);
  const poison = createTextQueue(storage, credential, POISON_QUEUE);
  if (!work || !poison) return undefined;
  const leases = new TargetLeases(
    createTableClient(storage, credential as TokenCredential, LEASE_TABLE),
    holder,
    now,
    LEASE_TTL_MS,
  );
  return {
    enqueue: async (messages) => {
      const notSent: CheckMessage[] = [];
      await mapLimit(messages, SEND_CONCURRENCY, async (m) => {
        try {
          await work.send(Buffer.from(JSON.stringify(m)).toString("base64"), MESSAGE_TTL_SECONDS);
        } catch {
          notSent.push(m);
        }
      });
      return notSent;
    },
    lease: (m) => leases.acquire(m.target, m.job, m.tick),
    setAside: async () => {
      const [items, total] = await Promise.all([poison.peek(), poison.length()]);
      const parsed = setAsideOf(items.map((i) => i.text));
      return { items: parsed, total: Math.max(total, parsed.length) };
    },
    prune: () => prune(poison, leases),
  };
}

function setAsideOf(texts: readonly string[]): SetAside[] {
  const out: SetAside[] = [];
  for (const t of texts) {
    const p = parseCheckMessage(t);
    if (p.ok) out.push({ target: p.message.target, job: p.message.job, tick: p.message.tick });
  }
  return out;
}

async function prune(poison: TextQueue, leases: TargetLeases): Promise<{ kept: SetAside[]; removed: number }> {
  // hidden for a moment while they are looked at (their pop receipts stay valid); kept ones come back
  const got = await poison.receive(2);
  const newest = new Map<string, string>();
  const parsed = got.map((m) => ({ m, p: parseCheckMessage(m.text) }));
  for (const { p } of parsed)
    if (p.ok) {
      const k = `${p.message.target}/${p.message.job}`;
      if ((newest.get(k) ?? "") < p.message.tick) newest.set(k, p.message.tick);
    }
  const done = new Map<string, string>();
  for (const k of newest.keys()) {
    const [target, job] = k.split("/") as [string, string];
    done.set(k, await leases.doneTick(target, job));
  }
  const kept: SetAside[] = [];
  let removed = 0;
  for (const { m, p } of parsed) {
    // a message that is not a check message stays where an operator can read it
    if (!p.ok) continue;
    const k = `${p.message.target}/${p.message.job}`;
    const superseded = p.message.tick < (newest.get(k) ?? "") || (done.get(k) ?? "") >= p.message.tick;
    if (superseded && m.remove) {
      await m.remove();
      removed++;
    } else kept.push({ target: p.message.target, job: p.message.job, tick: p.message.tick });
  }
  return { kept, removed };
}

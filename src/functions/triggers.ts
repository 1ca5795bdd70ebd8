import type { InvocationContext, StorageQueueHandler, Timer, TimerHandler } from "@azure/functions";
import { randomUUID } from "node:crypto";
import {
  CHECK_QUEUE,
  MAX_DEQUEUE_COUNT,
  checkQueueFrom,
  parseCheckMessage,
  type CheckJob,
  type CheckMessage,
  type CheckQueue,
} from "../app/checkQueue.js";
import type { App } from "../app/compose.js";
import { type Fleet, type Target } from "../app/fleet.js";
import { alertDeliveryHandler } from "./alertDelivery.js";
import { alertDigestHandler, digestEnabled } from "./alertDigest.js";
import { driftCheckHandler } from "./driftCheck.js";
import { contextFor, fleetHealthHandler, perTarget } from "./fleetHttp.js";
import { healthHandler } from "./health.js";
import { ingestionWatchHandler } from "./ingestionWatch.js";
import type { TriggerDef } from "./registry.js";
import { rotationConfirmHandler, rotationStateHandler } from "./rotationApi.js";
import { secretRotationHandler } from "./secretRotation.js";
import { mapLimit } from "../core/mapLimit.js";

/** At most this many targets run at once in one invocation. */
export const TARGET_CONCURRENCY = 4;

/** Runs one target's timer handler with log lines naming it; false when it failed (logged). */
async function runOne(t: Target, handler: TimerHandler, timer: Timer, context: InvocationContext): Promise<boolean> {
  const ctx = contextFor(context, t.key);
  try {
    await handler(timer, ctx);
    return true;
  } catch (e) {
    ctx.error(`run failed: ${e instanceof Error ? e.name : "error"}`);
    return false;
  }
}

/** Runs the targets here, at most TARGET_CONCURRENCY at once; throws afterwards naming those that failed. */
async function runHere(
  targets: readonly Target[],
  handlerFor: (app: App) => TimerHandler,
  timer: Timer,
  context: InvocationContext,
  of = targets.length,
): Promise<void> {
  const failed: string[] = [];
  await mapLimit(targets, TARGET_CONCURRENCY, async (t) => {
    if (!(await runOne(t, handlerFor(t.app), timer, context))) failed.push(t.key);
  });
  if (failed.length) throw new Error(`${failed.length} of ${of} targets failed: ${failed.slice(0, 10).join(", ")}`);
}

/** The check queue, built on first use from the storage settings and the fleet's credential. */
function queueOf(fleet: Fleet, env: Record<string, string | undefined>): () => CheckQueue | undefined {
  let queue: CheckQueue | undefined;
  let built = false;
  // one holder name per process: a lease names the instance that runs the check
  const holder = `${env["WEBSITE_INSTANCE_ID"]?.slice(0, 64) || "local"}-${randomUUID().slice(0, 8)}`;
  return () => {
    if (!built && fleet.targets().length) {
      queue = checkQueueFrom(env, fleet.credential(), fleet.now, holder);
      built = true;
    }
    return queue;
  };
}

/** Logs the checks the host set aside after repeated failures, and drops those that no longer fail. */
async function reportSetAside(queue: CheckQueue, context: InvocationContext): Promise<void> {
  try {
    const { kept, removed } = await queue.prune();
    if (removed) context.log(`${removed} set-aside checks removed: the same check has completed since`);
    for (const k of kept)
      context.error(
        `${k.job} of target ${k.target} (tick ${k.tick}) failed ${MAX_DEQUEUE_COUNT} times and was set aside`,
      );
  } catch (e) {
    context.warn(`could not read the set-aside checks: ${e instanceof Error ? e.name : "error"}`);
  }
}

/**
 * A timer handler for every target. One target: exactly its handler. Several, with a Queue
 * service in AzureWebJobsStorage: one message per target on the check queue, which the
 * `checkTarget` function takes one at a time (the host scales it out and retries it); a target
 * the queue did not take, or every target when there is no queue, is checked here, at most
 * TARGET_CONCURRENCY at once; one that fails does not stop the others, and the invocation fails
 * afterwards naming how many did.
 */
function eachTarget(
  fleet: Fleet,
  job: CheckJob | undefined,
  handlerFor: (app: App) => TimerHandler,
  queue: () => CheckQueue | undefined,
): TimerHandler {
  return async (timer, context) => {
    const targets = await fleet.load();
    if (!fleet.several() && targets.length === 1) return handlerFor(targets[0]!.app)(timer, context);
    const q = job ? queue() : undefined;
    if (!q || !job) return runHere(targets, handlerFor, timer, context);
    const tick = fleet.now().toISOString();
    const byKey = new Map(targets.map((t) => [t.key, t]));
    const messages: CheckMessage[] = [];
    const here: Target[] = [];
    for (const t of targets) {
      const m = parseCheckMessage({ v: 1, job, target: t.key, workspace: t.workspaceId, tick });
      if (m.ok) messages.push(m.message);
      else here.push(t);
    }
    const notSent = await q.enqueue(messages);
    if (notSent.length)
      context.warn(`${notSent.length} of ${messages.length} checks could not be queued: checking them here`);
    else context.log(`${messages.length} checks queued`);
    await reportSetAside(q, context);
    here.push(...notSent.map((m) => byKey.get(m.target)!));
    if (here.length) await runHere(here, handlerFor, timer, context, targets.length);
  };
}

/**
 * The queue-triggered check of one target. A message that is not a check message is refused
 * (logged, not retried: it can never succeed); a target no longer watched is dropped; a check
 * another instance runs (its lease) or that already completed for that tick is not run twice. A
 * check that fails throws, so the host tries it again, and sets it aside in the poison queue after
 * MAX_DEQUEUE_COUNT tries.
 */
function checkTargetHandler(
  fleet: Fleet,
  jobs: Record<CheckJob, (app: App) => TimerHandler>,
  queue: () => CheckQueue | undefined,
): StorageQueueHandler {
  return async (entry, context) => {
    const parsed = parseCheckMessage(entry);
    if (!parsed.ok) {
      context.error(`check message refused: ${parsed.why}`);
      return;
    }
    const m = parsed.message;
    const ctx = contextFor(context, m.target);
    const handlerFor = jobs[m.job];
    const t = await fleet.targetIn(m.workspace, m.target);
    if (!t) {
      ctx.warn(`${m.job}: no such connector is watched: check dropped`);
      return;
    }
    const q = queue();
    const lease = q ? await q.lease(m) : undefined;
    if (lease?.kind === "held") {
      ctx.log(`${m.job} runs on another instance until ${lease.until.toISOString()}: not run twice`);
      return;
    }
    if (lease?.kind === "done") {
      ctx.log(`${m.job} of tick ${m.tick} has completed already`);
      return;
    }
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: m.tick, next: m.tick, lastUpdated: m.tick },
    };
    try {
      await handlerFor(t.app)(timer, ctx);
    } catch (e) {
      await lease?.release(false).catch(() => undefined);
      const tries = Number(context.triggerMetadata?.["dequeueCount"]) || 1;
      ctx.error(`${m.job} failed (try ${Math.min(tries, MAX_DEQUEUE_COUNT)} of ${MAX_DEQUEUE_COUNT})`);
      throw e;
    }
    if (lease?.kind === "acquired") await lease.release(true);
  };
}

/** The app's triggers, each bound to the fleet of targets (one target: today's single app). */
export function triggersFor(fleet: Fleet, env: Record<string, string | undefined>): TriggerDef[] {
  const now = fleet.now;
  const queue = queueOf(fleet, env);
  // The digest is registered only when ALERT_DIGEST_SCHEDULE is not set to empty: the host
  // resolves %ALERT_DIGEST_SCHEDULE% when it indexes the functions, and an empty schedule would put
  // the function in error. Only the setting's presence is read here, nothing else.
  const digest = digestEnabled(env);
  const jobs: Record<CheckJob, (app: App) => TimerHandler> = {
    driftCheck: (app) => driftCheckHandler({ getMonitor: app.getMonitor, getSink: app.sinkFor }),
    ingestionWatch: (app) => ingestionWatchHandler({ getMonitor: app.getMonitor, sink: app.sink }),
    secretRotation: (app) => secretRotationHandler({ getMonitor: app.getMonitor }),
  };
  const timer = (name: CheckJob, schedule: string): TriggerDef => ({
    kind: "timer",
    name,
    schedule,
    runOnStartup: false,
    handler: eachTarget(fleet, name, jobs[name], queue),
  });
  /** A timer whose work reads the targets' own tables only: every target in the timer itself. */
  const local = (name: string, schedule: string, handlerFor: (app: App) => TimerHandler): TriggerDef => ({
    kind: "timer",
    name,
    schedule,
    runOnStartup: false,
    handler: eachTarget(fleet, undefined, handlerFor, queue),
  });
  return [
    timer("driftCheck", "%DRIFT_CHECK_SCHEDULE%"),
    timer("ingestionWatch", "%INGESTION_CHECK_SCHEDULE%"),
    {
      kind: "http",
      name: "health",
      route: "health",
      methods: ["GET"],
      authLevel: "function",
      handler: fleetHealthHandler(
        fleet,
        (app) =>
          healthHandler({
            getMonitor: app.getMonitor,
            getState: (log) => ({ store: app.getAlerting().store, sink: app.sinkFor(log) }),
            now,
            getAppHost: () => app.getMonitor().config.alerts.appHost,
          }),
        () => queue()?.setAside(),
      ),
    },
    timer("secretRotation", "%SECRET_ROTATION_SCHEDULE%"),
    {
      kind: "http",
      name: "rotationState",
      route: "rotation",
      methods: ["GET"],
      authLevel: "function",
      handler: perTarget(fleet, (app) => rotationStateHandler({ getMonitor: app.getMonitor })),
    },
    {
      kind: "http",
      name: "rotationConfirm",
      route: "rotation/confirm",
      methods: ["POST"],
      authLevel: "admin",
      handler: perTarget(fleet, (app) => rotationConfirmHandler({ getMonitor: app.getMonitor })),
    },
    local("alertDelivery", "%ALERT_DELIVERY_SCHEDULE%", (app) =>
      alertDeliveryHandler({ getManager: () => app.getAlerting().manager, now }),
    ),
    ...(digest
      ? [
          local("alertDigest", "%ALERT_DIGEST_SCHEDULE%", (app) =>
            alertDigestHandler({
              getConfig: () => app.getMonitor().config,
              getManager: () => app.getAlerting().manager,
            }),
          ),
        ]
      : []),
    {
      kind: "queue",
      name: "checkTarget",
      queueName: CHECK_QUEUE,
      connection: "AzureWebJobsStorage",
      handler: checkTargetHandler(fleet, jobs, queue),
    },
  ];
}

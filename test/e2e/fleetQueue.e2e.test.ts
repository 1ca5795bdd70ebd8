import * as func from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { IDS } from "../../emulator/constants.js";
import { CHECK_QUEUE, MAX_DEQUEUE_COUNT, POISON_QUEUE } from "../../src/app/checkQueue.js";
import { createFleet } from "../../src/app/fleet.js";
import { triggersFor } from "../../src/functions/triggers.js";
import type { TriggerDef } from "../../src/functions/registry.js";
import { MISSING_WS, fleetWorld } from "./fleetHarness.js";
import { leaks, sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();
const storage = () => inject("tablesConnection");

const { workspacesOnly, keeperRecord, addSecondConnector, storeSecretsOf } = fleetWorld(emulator, true);

const work = () => new QueueClient(storage(), CHECK_QUEUE);
const poison = () => new QueueClient(storage(), POISON_QUEUE);

const ctx = (lines: string[], dequeueCount = 1) =>
  new func.InvocationContext({
    invocationId: "queue",
    functionName: "checkTarget",
    logHandler: (_level, ...a) => lines.push(a.map(String).join(" ")),
    triggerMetadata: { dequeueCount },
  });

const get = (url: string) => new func.HttpRequest({ method: "GET", url: `https://app/api/${url}` });

function byName<K extends TriggerDef["kind"]>(triggers: TriggerDef[], name: string, kind: K) {
  const t = triggers.find((x) => x.name === name);
  if (t?.kind !== kind) throw new Error(name);
  return t as Extract<TriggerDef, { kind: K }>;
}

/** A message as the host hands it to the function: base64 decoded, JSON parsed. */
const decoded = (text: string): unknown => JSON.parse(Buffer.from(text, "base64").toString("utf8"));

/**
 * What the Functions host does with the check queue: hands each message to the function; deletes
 * it when the function returns; when it throws, tries again, and after MAX_DEQUEUE_COUNT tries
 * moves it to the poison queue.
 */
async function hostDrain(handler: func.StorageQueueHandler, lines: string[]): Promise<number> {
  const q = work();
  let handled = 0;
  for (let round = 0; round < 20; round++) {
    const got = await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 });
    if (got.receivedMessageItems.length === 0) {
      if ((await q.getProperties()).approximateMessagesCount === 0) break;
      await new Promise((r) => setTimeout(r, 1100));
      continue;
    }
    await Promise.all(
      got.receivedMessageItems.map(async (m) => {
        handled++;
        try {
          await handler(decoded(m.messageText), ctx(lines, m.dequeueCount));
          await q.deleteMessage(m.messageId, m.popReceipt);
        } catch {
          if (m.dequeueCount >= MAX_DEQUEUE_COUNT) {
            await poison().sendMessage(m.messageText);
            await q.deleteMessage(m.messageId, m.popReceipt);
          }
        }
      }),
    );
  }
  return handled;
}

const timerTick = { isPastDue: false } as func.Timer;

beforeEach(async () => {
  for (const q of [work(), poison()]) {
    await q.createIfNotExists();
    await q.clearMessages();
  }
});

describe("checks of several connectors, one queue message per target", () => {
  it("a timer queues one check per target; the queue function runs each; a second delivery is not run twice", async () => {
    addSecondConnector();
    const env = workspacesOnly(IDS.workspace);
    const fleet = createFleet({ env });
    const triggers = triggersFor(fleet, env);
    const targets = await fleet.load();
    storeSecretsOf(targets);
    const lines: string[] = [];
    await byName(triggers, "driftCheck", "timer").handler(timerTick, ctx(lines));
    // nothing ran in the timer itself
    expect(lines.filter((l) => l.includes("driftCheck done"))).toEqual([]);
    expect(lines).toContain(`${targets.length} checks queued`);
    const peeked = await work().peekMessages({ numberOfMessages: 32 });
    const messages = peeked.peekedMessageItems.map((m) => decoded(m.messageText) as { target: string; job: string });
    expect(messages.map((m) => m.target).sort()).toEqual(targets.map((t) => t.key).sort());
    expect(new Set(messages.map((m) => m.job))).toEqual(new Set(["driftCheck"]));

    const queueFn = byName(triggers, "checkTarget", "queue").handler;
    expect(await hostDrain(queueFn, lines)).toBe(targets.length);
    for (const t of targets)
      expect(lines.filter((l) => l.includes("driftCheck done") && l.includes(`target=${t.key}`))).toHaveLength(1);

    // the same message again (a queue delivers at least once): that tick has completed
    const again: string[] = [];
    await queueFn(messages[0], ctx(again));
    expect(again.some((l) => l.includes("has completed already"))).toBe(true);
    expect(again.some((l) => l.includes("driftCheck done"))).toBe(false);

    const index = (await byName(triggers, "health", "http").handler(
      get("health"),
      ctx(lines),
    )) as func.HttpResponseInit;
    expect((index.jsonBody as { targets: Array<{ status: string }> }).targets.map((t) => t.status)).toEqual([
      "ok",
      "ok",
    ]);
    expect(index.status).toBe(200);
    expect(leaks(emulator(), lines.join("\n"))).toEqual([]);
  });

  it("two instances handed the same check at once: one runs it, the other sees its lease", async () => {
    addSecondConnector();
    const env = workspacesOnly(IDS.workspace);
    const a = createFleet({ env });
    const b = createFleet({ env });
    const [ta, tb] = [triggersFor(a, env), triggersFor(b, env)];
    const targets = await a.load();
    storeSecretsOf(targets);
    const message = {
      v: 1,
      job: "ingestionWatch",
      target: targets[0]!.key,
      workspace: IDS.workspace,
      tick: new Date().toISOString(),
    };
    const lines: string[] = [];
    await Promise.all([
      byName(ta, "checkTarget", "queue").handler(message, ctx(lines)),
      byName(tb, "checkTarget", "queue").handler(message, ctx(lines)),
    ]);
    const ran = lines.filter((l) => l.includes("ingestionWatch done"));
    const skipped = lines.filter((l) => l.includes("runs on another instance") || l.includes("has completed already"));
    expect([ran.length, skipped.length]).toEqual([1, 1]);
  });

  it("a new instance handed one target's check looks up that workspace alone", async () => {
    const env = workspacesOnly(`${IDS.workspace},${MISSING_WS}`);
    const fleet = createFleet({ env });
    const before = emulator().calls.length;
    const key = (await createFleet({ env: workspacesOnly(IDS.workspace) }).load())[0]!.key;
    const t = await fleet.targetIn(IDS.workspace, key);
    expect(t?.connectorName).toBe(keeperRecord().name);
    const asked = emulator()
      .calls.slice(before)
      .map((c) => c.path);
    expect(asked.some((p) => p.includes("/workspaces/ws-gone"))).toBe(false);
    expect(await fleet.targetIn(MISSING_WS.replace("ws-gone", "ws-not-listed"), key)).toBeUndefined();
  });

  it("alert delivery reads the targets' own tables: it runs in its timer, nothing is queued", async () => {
    addSecondConnector();
    const env = workspacesOnly(IDS.workspace);
    const fleet = createFleet({ env });
    const triggers = triggersFor(fleet, env);
    storeSecretsOf(await fleet.load());
    await byName(triggers, "alertDelivery", "timer").handler(timerTick, ctx([]));
    expect((await work().getProperties()).approximateMessagesCount).toBe(0);
  });

  it("refuses a message that is not a check message, naming why, and runs nothing", async () => {
    const env = workspacesOnly(IDS.workspace);
    addSecondConnector();
    const fleet = createFleet({ env });
    const queueFn = byName(triggersFor(fleet, env), "checkTarget", "queue").handler;
    const tick = new Date().toISOString();
    const cases: Array<[unknown, RegExp]> = [
      ["not json at all", /not JSON/],
      [[1, 2], /not a JSON object/],
      [{ v: 2, job: "driftCheck", target: "a-1", workspace: IDS.workspace, tick }, /unknown version/],
      [{ v: 1, job: "rm -rf", target: "a-1", workspace: IDS.workspace, tick }, /unknown check/],
      [{ v: 1, job: "alertDelivery", target: "a-1", workspace: IDS.workspace, tick }, /unknown check/],
      [{ v: 1, job: "driftCheck", target: "<script>", workspace: IDS.workspace, tick }, /not a target key/],
      [{ v: 1, job: "driftCheck", target: "a-1", workspace: "https://evil.example/", tick }, /not a workspace/],
      [{ v: 1, job: "driftCheck", target: "a-1", workspace: IDS.workspace, tick: "tomorrow" }, /not an ISO time/],
      ["x".repeat(5000), /longer than/],
    ];
    for (const [body, why] of cases) {
      const lines: string[] = [];
      await queueFn(body, ctx(lines));
      expect(lines.join("\n")).toMatch(why);
      expect(lines.join("\n")).not.toContain("<script>");
      expect(lines.some((l) => l.includes(" done"))).toBe(false);
    }
    const lines: string[] = [];
    await queueFn({ v: 1, job: "driftCheck", target: "gone-00000000", workspace: IDS.workspace, tick }, ctx(lines));
    expect(lines.join("\n")).toMatch(/no such connector is watched: check dropped/);
  });

  it("a check that fails on every try is set aside; the next tick names it, the index is 503 until it completes", async () => {
    addSecondConnector();
    const env = workspacesOnly(`${IDS.workspace},${MISSING_WS}`);
    const fleet = createFleet({ env });
    const triggers = triggersFor(fleet, env);
    const targets = await fleet.load();
    storeSecretsOf(targets.filter((t) => t.workspaceId === IDS.workspace));
    const broken = targets.find((t) => t.workspaceId === MISSING_WS)!;
    const lines: string[] = [];
    await byName(triggers, "driftCheck", "timer").handler(timerTick, ctx(lines));
    const queueFn = byName(triggers, "checkTarget", "queue").handler;
    await hostDrain(queueFn, lines);
    expect(lines.filter((l) => l.includes(`failed (try`) && l.includes(`target=${broken.key}`))).toHaveLength(
      MAX_DEQUEUE_COUNT,
    );
    expect(lines.some((l) => l.includes(`try ${MAX_DEQUEUE_COUNT} of ${MAX_DEQUEUE_COUNT}`))).toBe(true);
    expect((await poison().getProperties()).approximateMessagesCount).toBe(1);

    const index = (await byName(triggers, "health", "http").handler(
      get("health"),
      ctx(lines),
    )) as func.HttpResponseInit;
    expect(index.status).toBe(503);
    const aside = (index.jsonBody as { setAside: { total: number; checks: Array<{ target: string; job: string }> } })
      .setAside;
    expect(aside.total).toBe(1);
    expect(aside.checks).toEqual([expect.objectContaining({ target: broken.key, job: "driftCheck" })]);
    const page = (await byName(triggers, "health", "http").handler(
      get("health?format=html"),
      ctx(lines),
    )) as func.HttpResponseInit;
    expect(String(page.body)).toContain("Checks set aside");

    // the next tick says so in the log, and keeps it: it still fails
    const next: string[] = [];
    await byName(triggers, "ingestionWatch", "timer").handler(timerTick, ctx(next));
    expect(next.some((l) => /driftCheck of target .* failed 5 times and was set aside/.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await poison().getProperties()).approximateMessagesCount).toBe(1);

    // a set-aside check of a connector whose same check then completes: it goes, the failing one stays
    const again = { ...(decoded((await poison().peekMessages()).peekedMessageItems[0]!.messageText) as object) };
    const later = { ...again, target: targets[0]!.key, workspace: IDS.workspace };
    await poison().sendMessage(Buffer.from(JSON.stringify(later)).toString("base64"));
    await queueFn({ ...later, tick: new Date(Date.now() + 1000).toISOString() }, ctx(next));
    const drained: string[] = [];
    await byName(triggers, "secretRotation", "timer").handler(timerTick, ctx(drained));
    expect(drained.some((l) => /1 set-aside checks removed/.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await poison().getProperties()).approximateMessagesCount).toBe(1);
  });
});

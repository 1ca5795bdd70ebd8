/** An alert store over a fresh Azurite table, with a manager and fake channels that record what they got. */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import type { TableClient } from "@azure/data-tables";
import { createTableClient } from "../../../src/azure/tableStorage.js";
import { AlertManager } from "../../../src/alerts/alertManager.js";
import type { Channel } from "../../../src/alerts/channel.js";
import type { Notice, RunRecord } from "../../../src/core/notifier.js";
import { AlertStore, type ChannelName } from "../../../src/alerts/store/index.js";
import { ok, problem, type Finding } from "../../../src/core/finding.js";
import type { Logger } from "../../../src/core/logger.js";
import { settings } from "../../report/fixtures.js";

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("not needed")) };
export const DCR =
  "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
export const T0 = Date.parse("2026-11-25T00:00:00Z");
/** Table storage: 64 KiB per string property, 1 MiB per entity. */
export const MAX_PROPERTY_CHARS = 32 * 1024;

export function setup() {
  const table = `st${randomBytes(6).toString("hex")}`;
  const client: TableClient = createTableClient(
    { kind: "connectionString", connectionString: inject("tablesConnection") },
    noCredential,
    table,
  );
  const warnings: string[] = [];
  const log: Logger = { info: () => {}, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), error: () => {} };
  const store = new AlertStore(client, log);
  let t = T0;
  const sent: Array<{ channel: ChannelName; notices: Notice[] }> = [];
  const channel = (name: ChannelName): Channel => ({
    name,
    fits: () => true,
    send: (notices) => {
      sent.push({ channel: name, notices: [...notices] });
      return Promise.resolve();
    },
  });
  const manager = new AlertManager({
    store,
    channels: [channel("teams"), channel("email")],
    settings,
    now: () => new Date(t),
    log,
  });
  const runAt = async (min: number, findings: Finding[], source: RunRecord["source"] = "drift") => {
    t = T0 + min * 60_000;
    const at = new Date(t).toISOString();
    await manager.record({ source, startedAt: at, finishedAt: at, findings });
  };
  return { client, store, manager, warnings, sent, runAt };
}

export const huge = (n: number) => `start ${"| extend x = 1 ".repeat(Math.ceil(n / 15))}`.slice(0, n) + " end";
export const bad = (summary = "The transform differs.") =>
  problem("dcr.dataFlow", "critical", summary, {
    resource: DCR,
    evidence: { expected: "source", actual: summary },
  });
export const good = () => ok("dcr.dataFlow", "The transform is the solution's.", { resource: DCR });

/** A notice as the manager would queue it. */
export const notice = (key: string, summary = "Something changed."): Notice => ({
  key,
  kind: "opened",
  severity: "critical",
  title: "CRITICAL: something changed",
  summary,
  facts: [],
  links: [],
  at: new Date(T0).toISOString(),
});

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import type { Notice } from "../../src/core/notifier.js";
import { noticeFor } from "../../src/alerts/noticeContent.js";
import type { AlertRecord } from "../../src/alerts/alertRecord.js";
import { CLOUD_PROFILES } from "../../src/config/clouds.js";
import { renderCard, renderCardText, renderTeamsPayload, type CardElement } from "../../src/report/card.js";
import { unescapeMarkdown } from "../../src/core/safeText.js";
import { TEAMS_MAX_BYTES } from "../../src/alerts/teamsChannel.js";
import {
  DCR,
  diagnosed,
  digest,
  expiring,
  handoff,
  opened,
  removedRole,
  resolvedFreshness,
  settings,
  STATUS_PAGE,
} from "./fixtures.js";
import { expectGolden } from "./golden.js";

const schema: unknown = JSON.parse(readFileSync("test/alerts/adaptive-card-1.4.subset.schema.json", "utf8"));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema as object);

// The package's ESM build uses extension-less imports Node cannot resolve; its UMD bundle loads
// in Node, and parsing (not rendering) needs no DOM.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void; toJSON(): unknown };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
};

const cases = {
  "teams-opened.json": [opened],
  "teams-grouped.json": [opened, expiring, resolvedFreshness],
  "teams-digest.json": [digest],
  "teams-handoff.json": [handoff],
};
/** The status page button on the alerts' goldens; the digest's golden pins a card without STATUS_PAGE_URL. */
const linksFor = (name: string) => (name === "teams-digest.json" ? {} : { statusPageUrl: STATUS_PAGE });

describe("Adaptive Card", () => {
  it.each(Object.entries(cases))("%s matches its golden file", (name, notices) => {
    expectGolden(name, JSON.stringify(renderTeamsPayload(notices, linksFor(name)), null, 2) + "\n");
  });

  it.each(Object.entries(cases))("%s is valid Adaptive Card 1.4 (schema subset)", (name, notices) => {
    const card = renderCard(notices, linksFor(name));
    expect(validate(card), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema subset can fail: it refuses a 1.5 card, Action.Submit and a missing text", () => {
    const card = renderCard([opened]);
    expect(validate({ ...card, version: "1.5" })).toBe(false);
    expect(validate({ ...card, actions: [{ type: "Action.Submit", title: "x" }] })).toBe(false);
    expect(validate({ ...card, body: [{ type: "TextBlock", wrap: true }] })).toBe(false);
    expect(validate({ ...card, body: [{ type: "Table", rows: [] }] })).toBe(false);
  });

  it.each(Object.entries(cases))("%s parses with the adaptivecards package without warnings", (name, notices) => {
    const card = new AC.AdaptiveCard();
    const ctx = new AC.SerializationContext();
    card.parse(renderCard(notices, linksFor(name)), ctx);
    const events = Array.from({ length: ctx.eventCount }, (_, i) => ctx.getEventAt(i).message);
    expect(events).toEqual([]);
    // What the package read back is what was sent: nothing dropped as unknown.
    expect(card.toJSON()).toMatchObject({
      version: "1.4",
      body: renderCard(notices, linksFor(name)).body.map((e) => ({ type: e.type })),
    });
  });

  it("has the status colour, what is wrong, since when, evidence, the fix and a portal button", () => {
    const text = renderCardText(renderCard([opened]));
    expect(text).toContain("(attention)");
    expect(text).toContain("CRITICAL: role assignment missing on KeeperSecurityEventLogs_DCR");
    expect(text).toContain("Open since: 2026-11-25 07:45 UTC");
    expect(text).toContain("Expected: Monitoring Metrics Publisher");
    expect(text).toContain("    az role assignment create \\\n");
    expect(text).toContain(
      "[Open KeeperSecurityEventLogs_DCR in the Azure portal] https://portal.azure.com/#@11111111-2222-3333-4444-555555555555/resource/subscriptions/",
    );
    expect(renderCardText(renderCard([resolvedFreshness]))).toContain("(good)");
  });

  it("never carries a password hint", () => {
    expect(JSON.stringify(renderTeamsPayload([opened]))).not.toMatch(/hint|Ab~/i);
  });

  it("stays under 28 KB even for long texts (values are clipped)", () => {
    const huge = {
      ...opened,
      summary: "x".repeat(100_000),
      facts: Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, value: "y".repeat(5000) })),
    };
    expect(Buffer.byteLength(JSON.stringify(renderTeamsPayload([huge])))).toBeLessThan(TEAMS_MAX_BYTES);
  });
});

/**
 * A simple height model of a card as Teams shows it (about 70 characters per line of text, 60 of
 * monospace, at ~20 px a line; a fact row ~22 px; a row of buttons ~40 px; 8 px between elements,
 * 16 px of padding per container). What an Action.ShowCard holds is hidden until opened: not counted.
 */
function heightOf(els: readonly CardElement[]): number {
  let px = 0;
  for (const e of els) {
    px += 8;
    if (e.type === "TextBlock") {
      const per = e.fontType === "Monospace" ? 60 : e.size === "Medium" ? 50 : 70;
      const lines = e.wrap
        ? e.text.split("\n").reduce((n, l) => n + Math.max(1, Math.ceil(unescapeMarkdown(l).length / per)), 0)
        : 1;
      px += lines * (e.size === "Medium" ? 24 : 20);
    } else if (e.type === "FactSet")
      px += e.facts.reduce((n, f) => n + 22 * Math.max(1, Math.ceil(unescapeMarkdown(f.value).length / 45)), 0);
    else if (e.type === "ActionSet") px += 40 * Math.ceil(e.actions.length / 3);
    else px += 16 + heightOf(e.items);
  }
  return px;
}

const allText = (els: readonly CardElement[]): string[] =>
  els.flatMap((e) =>
    e.type === "TextBlock"
      ? [e.text]
      : e.type === "FactSet"
        ? e.facts.flatMap((f) => [f.title, f.value])
        : e.type === "ActionSet"
          ? e.actions.flatMap((a) => [a.title, ...(a.type === "Action.ShowCard" ? allText(a.card.body) : [])])
          : allText(e.items),
  );
const JSON_LIKE = /[{}]|\[\{|"\w+"\s*:/;

describe("a notice a person reads in ten seconds", () => {
  it.each([
    ["removed role", removedRole],
    ["diagnosis", diagnosed],
  ])("%s: facts in words, never JSON", (_name, n) => {
    const card = renderCard([n]);
    for (const t of allText(card.body)) expect(unescapeMarkdown(t)).not.toMatch(JSON_LIKE);
    expect(validate(card), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the evidence in words: labels and units, the weights and secrets left out", () => {
    const text = renderCardText(renderCard([diagnosed]));
    expect(text).toContain("Gap: 13 h");
    expect(text).toContain("Hour of the week: Mon 10:00-11:00 Sydney time");
    expect(text).toContain("Usual longest gap: 1 h 35 min");
    expect(text).toContain("Most likely cause: role missing");
    expect(text).toContain("Causes ranked: 1. The Keeper app lacks its role on the DCR; 2. Keeper stopped sending");
    expect(text).toContain("Something new field: nested key 3");
    expect(text).not.toMatch(/score|Ab~|secretText|GapMinutes|HourOfWeek/);
    // One "since" each: the incident's start, and the last event, named apart.
    expect(text).toContain("Open since: 2026-11-25 07:45 UTC");
    expect(text).toContain("Last event: 2026-11-24 19:00 UTC");
    expect(text).not.toMatch(/^\s*┃?\s*Since:/m);
    const role = renderCardText(renderCard([removedRole]));
    expect(role).toContain(`Expected: role Monitoring Metrics Publisher; scope ${DCR}`);
    expect(role).toContain("Actual: (none)");
    expect(role).toContain("Changed: role assignments");
  });

  it("the fix is a monospace block, one flag a line, never cut inside a flag", () => {
    const section = renderCard([removedRole]).body[1] as Extract<CardElement, { type: "Container" }>;
    const block = section.items.find((e) => e.type === "Container");
    expect(block?.type).toBe("Container");
    const lines = (block as Extract<CardElement, { type: "Container" }>).items;
    expect(lines.every((l) => l.type === "TextBlock" && l.fontType === "Monospace")).toBe(true);
    const texts = lines.map((l) => unescapeMarkdown((l as { text: string }).text));
    expect(texts).toEqual([
      "az role assignment create \\",
      "  --assignee-object-id 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b \\",
      "  --assignee-principal-type ServicePrincipal \\",
      "  --role 'Monitoring Metrics Publisher' \\",
      `  --scope ${DCR}`,
    ]);
    // Short lines keep their layout; only the long id may wrap, inside itself.
    expect(lines.map((l) => (l as { wrap: boolean }).wrap)).toEqual([false, false, false, false, true]);
    expect(renderCardText(renderCard([removedRole]))).toContain("Note: takes up to 30 minutes to apply");
  });

  it("the removed-role card is at most ~600 px before Details; the height model can fail", () => {
    const card = renderCard([removedRole]);
    expect(heightOf(card.body)).toBeLessThanOrEqual(600);
    // The model can fail: two such notices in one card do not fit.
    expect(heightOf(renderCard([removedRole, removedRole]).body)).toBeGreaterThan(600);
  });

  it("summary, title, fix and key facts on the card; check, resource and the rest behind Details", () => {
    const section = renderCard([removedRole]).body[1] as Extract<CardElement, { type: "Container" }>;
    const shown = section.items.filter((e) => e.type !== "ActionSet");
    const shownText = allText(shown).map(unescapeMarkdown).join("\n");
    expect(shownText).toContain(removedRole.title);
    expect(shownText).toContain(removedRole.summary);
    expect(shownText).toContain("Open since");
    const actions = section.items.find((e) => e.type === "ActionSet");
    const show = actions?.type === "ActionSet" ? actions.actions.find((a) => a.type === "Action.ShowCard") : undefined;
    expect(show?.title).toBe("Details");
    const hidden = allText(show?.type === "Action.ShowCard" ? show.card.body : []).map(unescapeMarkdown);
    expect(hidden).toEqual(expect.arrayContaining(["Check", "role.assignment", "Resource", DCR]));
  });

  it("buttons: the resource in the cloud's portal, https only, never a webhook signature", () => {
    const urls = (notices: Notice[]) =>
      renderCard(notices).body.flatMap((e) =>
        e.type === "Container"
          ? e.items.flatMap((i) =>
              i.type === "ActionSet" ? i.actions.flatMap((a) => (a.type === "Action.OpenUrl" ? [a.url] : [])) : [],
            )
          : [],
      );
    expect(urls([removedRole])).toEqual([`https://portal.azure.com/#@${settings.tenantId}/resource${DCR}`]);
    const gov = noticeFor(
      "opened",
      { ...alertRecordOf(removedRole), finding: undefined },
      { ...settings, portalUrl: CLOUD_PROFILES.AzureUSGovernment.portalUrl },
      new Date(removedRole.at),
      "opened",
    );
    expect(urls([gov])[0]).toMatch(
      /^https:\/\/portal\.azure\.us\/#@11111111-2222-3333-4444-555555555555\/resource\/subscriptions\//,
    );
    const hostileLinks = {
      ...removedRole,
      links: [
        { title: "webhook", url: "http://example.com/x" },
        { title: "ok", url: "https://portal.azure.com/#view/x" },
      ],
    };
    expect(urls([hostileLinks])).toEqual(["https://portal.azure.com/#view/x"]);
    for (const n of [removedRole, diagnosed, opened, expiring])
      for (const u of urls([n])) expect(u).not.toMatch(/sig=/i);
  });
});

/** The alert record behind a fixture notice (its check and resource from the notice key). */
function alertRecordOf(n: Notice): AlertRecord {
  const [check = "", resource = ""] = n.key.split("|");
  return {
    key: `${check}|${resource}`,
    check,
    resource,
    state: "open",
    problemStreak: 2,
    okStreak: 0,
    since: "2026-11-25T07:45:00.000Z",
    severity: "critical",
  };
}

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import { renderCard, renderCardText, renderTeamsPayload } from "../../src/report/card.js";
import { TEAMS_MAX_BYTES } from "../../src/alerts/teamsChannel.js";
import { digest, expiring, opened, resolvedFreshness } from "./fixtures.js";
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
};

describe("Adaptive Card", () => {
  it.each(Object.entries(cases))("%s matches its golden file", (name, notices) => {
    expectGolden(name, JSON.stringify(renderTeamsPayload(notices), null, 2) + "\n");
  });

  it.each(Object.entries(cases))("%s is valid Adaptive Card 1.4 (schema subset)", (_name, notices) => {
    const card = renderCard(notices);
    expect(validate(card), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema subset can fail: it refuses a 1.5 card, Action.Submit and a missing text", () => {
    const card = renderCard([opened]);
    expect(validate({ ...card, version: "1.5" })).toBe(false);
    expect(validate({ ...card, actions: [{ type: "Action.Submit", title: "x" }] })).toBe(false);
    expect(validate({ ...card, body: [{ type: "TextBlock", wrap: true }] })).toBe(false);
    expect(validate({ ...card, body: [{ type: "Table", rows: [] }] })).toBe(false);
  });

  it.each(Object.entries(cases))("%s parses with the adaptivecards package without warnings", (_name, notices) => {
    const card = new AC.AdaptiveCard();
    const ctx = new AC.SerializationContext();
    card.parse(renderCard(notices), ctx);
    const events = Array.from({ length: ctx.eventCount }, (_, i) => ctx.getEventAt(i).message);
    expect(events).toEqual([]);
    // What the package read back is what was sent: nothing dropped as unknown.
    expect(card.toJSON()).toMatchObject({
      version: "1.4",
      body: renderCard(notices).body.map((e) => ({ type: e.type })),
    });
  });

  it("has the status colour, what is wrong, since when, evidence, the fix and a portal button", () => {
    const text = renderCardText(renderCard([opened]));
    expect(text).toContain("(attention)");
    expect(text).toContain("CRITICAL: role assignment missing on KeeperSecurityEventLogs_DCR");
    expect(text).toContain("Since: 2026-11-25T07:45:00.000Z");
    expect(text).toContain("Expected: Monitoring Metrics Publisher");
    expect(text).toContain("**Fix:** az role assignment create");
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

/**
 * Hostile Azure-side text on every human surface. Whoever can edit a DCR, an app or credential
 * name, or provoke an Azure error message writes text the monitor shows. A seeded, bounded fuzz
 * feeds such strings (markup, Markdown links, CR/LF, ESC/OSC sequences, bidi controls, lone
 * surrogates, 100 KB strings) through every Azure-side field into every renderer and checks the
 * invariants: no raw control or bidi character, no forged line, no live markup or link, bounded.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../emulator/random.js";
import type { Notice } from "../../src/core/notifier.js";
import { noticeFor } from "../../src/alerts/noticeContent.js";
import { digestNotice } from "../../src/alerts/digest.js";
import type { AlertRecord } from "../../src/alerts/alertRecord.js";
import { problem, unknown, type Finding } from "../../src/core/finding.js";
import { formatLine } from "../../src/core/logger.js";
import { renderCard, type CardElement } from "../../src/report/card.js";
import { renderEmail } from "../../src/report/email.js";
import { buildReport } from "../../src/report/report.js";
import { clip, inertMarkdown, visible } from "../../src/core/safeText.js";
import { renderStatusPage } from "../../src/report/statusPage.js";
import { displayWidth, renderText } from "../../src/report/text.js";
import { settings } from "./fixtures.js";

const rng = seededRandom;

const PIECES = [
  "Rotate now: [Keeper Admin Console](https://evil.example/phish)",
  "<https://evil.example>",
  "https://evil.example/x",
  "www.evil.example",
  "![img](https://evil.example/p.png)",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='x",
  "&amp;&lt;",
  "**bold** _it_ ~~s~~ `code` # head > quote | pipe",
  "\r\nFORGED-ROW  ok  all good",
  "\nFORGED-ROW",
  "\u001b[2J\u001b[H",
  "\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007",
  "\u001b]0;title\u001b\\",
  "\u009b31m",
  "\u202eexe.txt\u202c",
  "\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
  "\u200b\ufeff",
  "\ud800",
  "\udfff",
  "😀",
  "\u0000\u0007\u0008\u007f",
  "\t",
  "KeeperSecurityEventLogs_DCR",
];

function hostile(r: () => number): string {
  if (r() < 0.08) return (PIECES[Math.floor(r() * PIECES.length)] ?? "") + "A".repeat(100_000) + "\u202e";
  let s = "";
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)] ?? "";
  return s;
}

/** Raw characters that must never reach a screen: C0 (but LF where lines are allowed), C1, bidi, zero-width, lone surrogates. */
const RAW =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function expectNoRaw(s: string, where: string) {
  const m = RAW.exec(s);
  expect(m ? `U+${m[0].charCodeAt(0).toString(16)} at ${m.index}` : undefined, where).toBeUndefined();
}

/** Text that is shown as Markdown: no live link, image, autolink or HTML. */
function expectInertMarkdown(s: string, where: string) {
  expect(s, where).not.toMatch(/(?<!\\)[[\]<>]/);
  expect(s, where).not.toMatch(/:\/\/|\bwww\./i);
}

const ALLOWED_TAGS = new Set(
  "!doctype html head meta title style body main header section article details summary figure figcaption caption h1 h2 h3 h4 p b a div pre code span time table thead tbody tr th td ul li svg desc path rect text line".split(
    " ",
  ),
);
function expectInertHtml(html: string, where: string) {
  for (const m of html.matchAll(/<\/?([!a-z0-9]+)/gi))
    expect(ALLOWED_TAGS.has(m[1]!.toLowerCase()), `${where}: <${m[1]}`).toBe(true);
  for (const m of html.matchAll(/<[a-z][a-z0-9]*\b[^<>]*>/gi))
    expect(m[0].replace(/"[^"]*"/g, '""'), where).not.toMatch(/\son[a-z]+=/i);
  for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1], where).toMatch(/^https:\/\/portal\.azure\.com\//);
  expectNoRaw(html.replace(/\n/g, ""), where);
}

function hostileFinding(r: () => number): Finding {
  const h = () => hostile(r);
  const make =
    r() < 0.5
      ? problem
      : (c: string, _s: unknown, summary: string, extra: Partial<Finding>) => unknown(c, summary, extra);
  return make(r() < 0.3 ? h() : "dcr.dataFlow", "critical", h(), {
    resource:
      r() < 0.5 ? `/subscriptions/1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/${h()}` : h(),
    evidence: { expected: h(), actual: h(), changed: [h(), h()], [h().slice(0, 50)]: h(), streams: [h(), h()] },
    remediation: h(),
  });
}

function hostileNotices(r: () => number): Notice[] {
  const f = hostileFinding(r);
  const record: AlertRecord = {
    key: `${f.check}|${f.resource ?? ""}`,
    check: f.check,
    resource: f.resource ?? "",
    state: "open",
    problemStreak: 2,
    okStreak: 0,
    since: "2026-11-25T07:45:00.000Z",
    severity: "critical",
    finding: f,
  };
  const at = new Date("2026-11-25T08:00:00.000Z");
  const direct: Notice = {
    key: hostile(r),
    kind: "handoff",
    severity: "warning",
    title: hostile(r),
    summary: hostile(r),
    facts: [
      { name: hostile(r), value: hostile(r) },
      { name: "Credential", value: hostile(r) },
    ],
    remediation: hostile(r),
    links: [{ title: hostile(r), url: "https://portal.azure.com/#view/x" }],
    at: at.toISOString(),
  };
  return [
    noticeFor("opened", record, settings, at, "opened"),
    noticeFor("resolved", record, settings, at, "resolved"),
    digestNotice([record], [{ source: "drift", startedAt: hostile(r), finishedAt: hostile(r), findings: [f] }], at),
    direct,
  ];
}

/** The texts of a card; `markdown` only those Teams renders as Markdown (not button titles). */
function cardTexts(els: CardElement[], markdown = false): string[] {
  return els.flatMap((e) =>
    e.type === "TextBlock"
      ? [e.text]
      : e.type === "FactSet"
        ? e.facts.flatMap((f) => [f.title, f.value])
        : e.type === "ActionSet"
          ? e.actions.flatMap((a) => [
              ...(markdown ? [] : [a.title]),
              ...(a.type === "Action.ShowCard" ? cardTexts(a.card.body, markdown) : []),
            ])
          : cardTexts(e.items, markdown),
  );
}

const ROUNDS = 150;

describe("Azure-side text on every surface (seeded fuzz)", () => {
  it("the terminal report: one line per finding, no control character, bounded", () => {
    const r = rng(1);
    for (let i = 0; i < ROUNDS; i++) {
      const findings = [hostileFinding(r), hostileFinding(r)];
      const report = buildReport(
        { tenantId: hostile(r), appId: hostile(r), dcr: hostile(r), workspace: hostile(r) },
        new Date(0),
        new Date(0),
        findings,
      );
      const out = renderText(report);
      expectNoRaw(out, `round ${i}`);
      expect(out).not.toContain("\u001b");
      const lines = out.split("\n");
      expect(
        lines.some((l) => l.startsWith("FORGED-ROW")),
        `round ${i}`,
      ).toBe(false);
      for (const l of lines) expect(displayWidth(l), `round ${i}`).toBeLessThanOrEqual(100);
      expect(out.length).toBeLessThan(40_000);
      // Unwrapped, the lines are the layout's own: Azure text adds none. Header, target; per
      // problem a blank line, title and severity, a line per check, the fix; per unknown a blank line,
      // the cause and its fix, the checks; blank, ok count; blank, time, and the final newline.
      const wide = renderText(report, { width: 1_000_000 }).split("\n");
      const unknowns = report.incidents.filter((x) => x.status === "unknown");
      const problems = report.incidents.filter((x) => x.status === "problem");
      expect(wide.length, `round ${i}`).toBe(
        2 +
          problems.reduce((n, x) => n + 3 + x.checks.length, 0) +
          unknowns.length * 3 +
          problems.filter((x) => x.fix !== undefined).length +
          2 +
          2 +
          1,
      );
      expect(wide.every((l) => displayWidth(l) < 10_000)).toBe(true);
    }
  });

  it("the Teams card: no control character, no live Markdown link or markup, bounded", () => {
    const r = rng(2);
    for (let i = 0; i < ROUNDS; i++) {
      const card = renderCard(hostileNotices(r));
      for (const t of cardTexts(card.body)) {
        expectNoRaw(t, `round ${i}`);
        expect(t.length).toBeLessThanOrEqual(2100);
      }
      for (const t of cardTexts(card.body, true))
        expectInertMarkdown(t.replace(/^\*\*Fix:\*\* /, ""), `round ${i}: ${t.slice(0, 80)}`);
      expect(JSON.stringify(card).length).toBeLessThan(120_000);
    }
  });

  it("the mail, HTML and text: no control character, no live markup, no forged line, bounded", () => {
    const r = rng(3);
    for (let i = 0; i < ROUNDS; i++) {
      const notices = hostileNotices(r);
      const mail = renderEmail(notices);
      expectInertHtml(mail.html, `round ${i}`);
      expectNoRaw(mail.text, `round ${i}`);
      expectNoRaw(mail.subject.replace(/\n/g, "\u0001"), `round ${i} subject`);
      expect(mail.text.split("\n").some((l) => l.startsWith("FORGED-ROW"))).toBe(false);
      expect(mail.html.length).toBeLessThan(100_000);
      expect(mail.text.length).toBeLessThan(100_000);
      for (const h of mail.headers) expect(h.value).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it("the status page: no control character, no live markup, bounded", () => {
    const r = rng(4);
    for (let i = 0; i < ROUNDS; i++) {
      const checks = [hostileFinding(r), hostileFinding(r)].map((f) => ({
        check: f.check,
        status: r() < 0.2 ? hostile(r) : f.status,
        severity: r() < 0.2 ? hostile(r) : f.severity,
        summary: f.summary,
      }));
      const html = renderStatusPage({
        status: r() < 0.2 ? hostile(r) : "problem",
        healthy: false,
        now: "2026-11-25T08:00:00.000Z",
        runs: [{ source: hostile(r), finishedAt: hostile(r), ageSeconds: 60 }],
        checks,
        incidents: [
          {
            id: hostile(r),
            status: "problem",
            severity: "critical",
            title: hostile(r),
            since: hostile(r),
            checks: [hostile(r)],
            fix: hostile(r),
          },
        ],
      });
      expectInertHtml(html, `round ${i}`);
      expect(html.length).toBeLessThan(60_000);
    }
  });

  it("log lines: one line, no control character, bounded", () => {
    const r = rng(5);
    for (let i = 0; i < ROUNDS; i++) {
      const line = formatLine(hostile(r), { why: hostile(r), [hostile(r).slice(0, 40)]: hostile(r), n: 3 });
      expectNoRaw(line.replace(/\\n/g, ""), `round ${i}`);
      expect(line).not.toMatch(/[\r\n]/);
      expect(line.length).toBeLessThan(15_000);
    }
  });
});

describe("safeText", () => {
  it("removes ESC and OSC sequences and shows hidden characters escaped", () => {
    expect(visible("a\u001b[2Jb\u001b]8;;https://x\u0007c")).toBe("abc");
    expect(visible("x\u202ey")).toBe("x\\u202Ey");
    expect(visible("a\r\nb")).toBe("a\\u000D\\u000Ab");
    expect(visible("a\nb", 100, true)).toBe("a\nb");
    expect(visible("\ud800x")).toBe("\\uD800x");
    expect(visible("😀")).toBe("😀");
  });

  it("clips with a marker and never splits a surrogate pair", () => {
    const s = clip("😀".repeat(100), 50);
    expect(s.length).toBeLessThanOrEqual(50);
    expect(s).toMatch(/more characters cut\]$/);
    expect(visible(s)).toBe(s);
    expect(visible("x".repeat(100_000)).length).toBeLessThanOrEqual(2000);
  });

  it("Markdown: a link from an Azure-side name is shown, not linked", () => {
    expect(inertMarkdown("Rotate now: [Keeper Admin Console](https://evil.example)")).toBe(
      "Rotate now: \\[Keeper Admin Console\\]\\(https\\[:\\]//evil.example\\)",
    );
  });
});

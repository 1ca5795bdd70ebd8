import type { Notice } from "../core/notifier.js";
import { colourOf, headline, openableLinks, statusPageOf, STATUS_PAGE_TITLE, type MessageLinks } from "./card.js";
import { fixBlock } from "./fix.js";
import { escapeHtml, inertHtml, visible } from "../core/safeText.js";

export { escapeHtml };

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** Dedupe keys for the x- headers: the incident key of each notice. */
  headers: Array<{ name: string; value: string }>;
}

const COLOUR: Record<string, string> = {
  attention: "#c4314b",
  warning: "#c19c00",
  good: "#237b4b",
  emphasis: "#605e5c",
};

/** The incident part of a notice key (check|resource|start), shared by every notice of one incident. */
export function incidentOf(noticeKey: string): string {
  const parts = noticeKey.split("|");
  return parts.length > 3 ? parts.slice(0, 3).join("|") : noticeKey;
}

/** Header values must be printable ASCII on one line; Graph takes at most a few custom headers. */
function headerValue(values: string[]): string {
  const v = [...new Set(values)].join(", ").replace(/[^\x20-\x7e]/g, "?");
  return v.length > 900 ? v.slice(0, 897) + "..." : v;
}

export function subjectFor(notices: readonly Notice[]): string {
  return `[Keeper connector] ${visible(headline(notices), 300)}`;
}

/** The fix's code block: monospace, never wrapped (a long line scrolls), so no flag is broken. */
const PRE =
  "margin:4px 0 6px;padding:8px 10px;background:#f3f2f1;border:1px solid #e1dfdd;font-family:Consolas,Menlo,'Courier New',monospace;font-size:13px;line-height:1.4;white-space:pre;overflow-x:auto";

function htmlSection(n: Notice): string {
  const c = COLOUR[colourOf(n).style] ?? "#605e5c";
  const facts = n.facts
    .slice(0, 20)
    .map(
      (f) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${inertHtml(f.name, 80)}</th><td style="padding:2px 0">${inertHtml(f.value, 600)}</td></tr>`,
    )
    .join("");
  const links = openableLinks(n)
    .map((l) => `<a href="${inertHtml(l.url)}">${inertHtml(l.title, 100)}</a>`)
    .join(" · ");
  const fix = n.remediation ? fixBlock(n.remediation) : undefined;
  return [
    `<div style="border-left:6px solid ${c};padding:8px 12px;margin:12px 0">`,
    `<h2 style="margin:0 0 6px;font-size:16px;color:${c}">${inertHtml(n.title, 300)}</h2>`,
    `<p style="margin:0 0 6px">${inertHtml(n.summary)}</p>`,
    fix ? `<p style="margin:6px 0 0"><b>Fix</b></p>` : "",
    fix ? `<pre style="${PRE}"><code>${fix.code.map(escapeHtml).join("\n")}</code></pre>` : "",
    ...(fix?.notes ?? []).map((t) => `<p style="margin:0 0 6px;color:#605e5c">Note: ${escapeHtml(t)}</p>`),
    facts ? `<table style="border-collapse:collapse;font-size:13px">${facts}</table>` : "",
    links ? `<p style="margin:6px 0">${links}</p>` : "",
    `</div>`,
  ]
    .filter(Boolean)
    .join("\n");
}

/** Plain text (alert.txt): every value through visible(), so no control character reaches a reader. */
function textSection(n: Notice): string {
  const lines = [visible(n.title, 300), "", visible(n.summary)];
  // The fix as an indented block: each line indented, so none can pass for a line of its own.
  if (n.remediation) {
    const fix = fixBlock(n.remediation);
    lines.push("", "Fix:", "", ...fix.code.map((l) => (l ? `    ${l}` : "")));
    if (fix.notes.length) lines.push("", ...fix.notes.map((t) => `Note: ${t}`));
  }
  if (n.facts.length)
    lines.push("", ...n.facts.slice(0, 20).map((f) => `  ${visible(f.name, 80)}: ${visible(f.value, 600)}`));
  const links = openableLinks(n);
  if (links.length) lines.push("");
  for (const l of links) lines.push(`${visible(l.title, 100)}: ${visible(l.url)}`);
  return lines.join("\n");
}

const keysOf = (notices: readonly Notice[]) => notices.map((n) => n.key).join(", ");

/** Subject, HTML and plain text for the notices of one message: the same content as the card. Pure. */
export function renderEmail(notices: readonly Notice[], options: MessageLinks = {}): RenderedEmail {
  const subject = subjectFor(notices);
  const page = statusPageOf(options);
  const html = [
    `<!DOCTYPE html>`,
    `<html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#242424">`,
    `<h1 style="font-size:18px">${escapeHtml(subject)}</h1>`,
    ...notices.map(htmlSection),
    ...(page ? [`<p style="margin:12px 0"><a href="${inertHtml(page)}">${STATUS_PAGE_TITLE}</a></p>`] : []),
    `<p style="color:#605e5c;font-size:12px">Sent by keeper-connector-monitor. Alert keys: ${inertHtml(keysOf(notices))}</p>`,
    `</body></html>`,
    ``,
  ].join("\n");
  const text =
    [
      subject,
      "=".repeat(Math.min(subject.length, 78)),
      "",
      notices.map(textSection).join("\n\n----\n\n"),
      ...(page ? ["", `${STATUS_PAGE_TITLE}: ${visible(page)}`] : []),
    ].join("\n") + `\n\n--\nSent by keeper-connector-monitor. Alert keys: ${visible(keysOf(notices))}\n`;
  return {
    subject,
    html,
    text,
    headers: [
      { name: "x-keeper-alert-key", value: headerValue(notices.map((n) => incidentOf(n.key))) },
      { name: "x-keeper-notice-kind", value: headerValue(notices.map((n) => n.kind)) },
    ],
  };
}

/**
 * The Graph `message` for sendMail. Graph's message has one body, so the HTML is the body and
 * the plain-text part travels as a text/plain file attachment (alert.txt): every client shows
 * it, and text-only readers and ticket systems get the same content without parsing HTML.
 */
export function renderGraphMessage(notices: readonly Notice[], to: readonly string[], options: MessageLinks = {}) {
  const e = renderEmail(notices, options);
  return {
    subject: e.subject,
    body: { contentType: "HTML", content: e.html },
    toRecipients: to.map((address) => ({ emailAddress: { address } })),
    internetMessageHeaders: e.headers,
    attachments: [
      {
        "@odata.type": "#microsoft.graph.fileAttachment",
        name: "alert.txt",
        contentType: "text/plain; charset=utf-8",
        contentBytes: Buffer.from(e.text, "utf8").toString("base64"),
      },
    ],
  };
}

import type { Notice } from "../core/notifier.js";
import { fixBlock } from "./fix.js";
import { inertMarkdown, unescapeMarkdown, visible } from "../core/safeText.js";
import { isLinkUrl } from "../core/linkUrl.js";

/** The Adaptive Card elements this module emits (a subset of schema 1.4, validated in tests). */
export type CardElement =
  | {
      type: "TextBlock";
      text: string;
      wrap: boolean;
      weight?: "Bolder";
      size?: "Small" | "Medium";
      color?: string;
      isSubtle?: boolean;
      spacing?: string;
      fontType?: "Monospace";
    }
  | { type: "FactSet"; facts: Array<{ title: string; value: string }>; spacing?: string }
  | { type: "ActionSet"; actions: CardAction[] }
  | { type: "Container"; style: string; separator?: boolean; spacing?: string; items: CardElement[] };

export type CardAction =
  | { type: "Action.OpenUrl"; title: string; url: string }
  | { type: "Action.ShowCard"; title: string; card: { type: "AdaptiveCard"; body: CardElement[] } };

export interface AdaptiveCard {
  type: "AdaptiveCard";
  $schema: string;
  version: "1.4";
  body: CardElement[];
}

/** What a message links to besides its notices' own buttons. */
export interface MessageLinks {
  /** The status page (STATUS_PAGE_URL): one "Open status page" button for the whole message. */
  statusPageUrl?: string;
}

/**
 * Buttons that open a URL, on the whole card: a grouped card stays a short row of buttons, not
 * one per notice. The status page's button is kept; the notices' own fill the rest in order.
 */
export const MAX_OPEN_URLS = 4;

export const STATUS_PAGE_TITLE = "Open status page";

/** The status page a message links to, when it is a URL a reader may be offered. */
export const statusPageOf = (o: MessageLinks): string | undefined =>
  o.statusPageUrl !== undefined && isLinkUrl(o.statusPageUrl) ? o.statusPageUrl : undefined;

/** A notice's links a reader may be offered (https, or http to this machine). */
export const openableLinks = (n: Pick<Notice, "links">): Notice["links"] => n.links.filter((l) => isLinkUrl(l.url));

/** Status colour: container style and text colour per notice. */
export function colourOf(n: Pick<Notice, "kind" | "severity">): { style: string; color: string } {
  if (n.kind === "resolved") return { style: "good", color: "Good" };
  if (n.kind === "digest") return { style: "emphasis", color: "Default" };
  if (n.severity === "critical") return { style: "attention", color: "Attention" };
  if (n.severity === "warning") return { style: "warning", color: "Warning" };
  return { style: "emphasis", color: "Default" };
}

/** The heading of a grouped message: the one title, or a count with the worst severity. */
export function headline(notices: readonly Notice[]): string {
  if (notices.length === 1) return notices[0]!.title;
  const crit = notices.filter((n) => n.kind !== "resolved" && n.severity === "critical").length;
  const resolved = notices.filter((n) => n.kind === "resolved").length;
  const parts = [`${notices.length} notices`];
  if (crit) parts.push(`${crit} critical`);
  if (resolved) parts.push(`${resolved} resolved`);
  const worst = crit
    ? "CRITICAL"
    : notices.some((n) => n.kind !== "resolved" && n.severity === "warning")
      ? "WARNING"
      : "INFO";
  return `${worst}: ${parts.join(", ")}`;
}

/**
 * Every text of a notice goes through inertMarkdown(): TextBlock and Fact values render Markdown
 * in Teams, and the text may come from Azure (names, transforms, error messages).
 */
const md = inertMarkdown;

/** Facts shown on the card itself; the rest are behind "Details". */
export const KEY_FACTS = 4;
/** A key fact's value at most this long (about two lines of a card's fact column). */
const KEY_FACT_MAX = 100;
/** A code line longer than this wraps (a long id); shorter ones keep their layout. */
const CODE_WRAP = 80;

/** The fix as a code block: monospace lines in a container, then any remark that closed a command. */
export function fixElements(remediation: string): CardElement[] {
  const { code, notes } = fixBlock(remediation, 1500);
  const lines = code.slice(0, 40).map((line): CardElement => ({
    type: "TextBlock",
    text: md(line || " ", 1500),
    wrap: line.length > CODE_WRAP,
    fontType: "Monospace",
    spacing: "None",
  }));
  return [
    { type: "TextBlock", text: "Fix", wrap: true, weight: "Bolder", spacing: "Medium" },
    { type: "Container", style: "emphasis", spacing: "Small", items: lines },
    ...notes.map((t): CardElement => ({ type: "TextBlock", text: md(`Note: ${t}`, 300), wrap: true, isSubtle: true })),
  ];
}

const factsOf = (facts: Notice["facts"]) => facts.map((f) => ({ title: md(f.name, 80), value: md(f.value, 600) }));

/**
 * One notice: what is wrong (title, summary), the fix, and the key facts on the card; the other
 * facts behind "Details" (Action.ShowCard), so the card stays short in the channel.
 */
function section(n: Notice, links: Notice["links"]): CardElement {
  const { style, color } = colourOf(n);
  const items: CardElement[] = [
    { type: "TextBlock", text: md(n.title, 300), wrap: true, weight: "Bolder", color },
    { type: "TextBlock", text: md(n.summary, 1500), wrap: true },
  ];
  if (n.remediation) items.push(...fixElements(n.remediation));
  // The key facts are the first few short ones; a long value (a full ARM id) waits behind Details.
  const facts = n.facts.slice(0, 20);
  const key = facts.filter((f) => f.value.length <= KEY_FACT_MAX).slice(0, KEY_FACTS);
  const rest = facts.filter((f) => !key.includes(f));
  if (key.length) items.push({ type: "FactSet", facts: factsOf(key), spacing: "Medium" });
  const actions: CardAction[] = links.map((l) => ({
    type: "Action.OpenUrl",
    title: visible(l.title, 100),
    url: visible(l.url, 2000),
  }));
  if (rest.length)
    actions.push({
      type: "Action.ShowCard",
      title: "Details",
      card: { type: "AdaptiveCard", body: [{ type: "FactSet", facts: factsOf(rest) }] },
    });
  if (actions.length) items.push({ type: "ActionSet", actions });
  return { type: "Container", style, separator: true, spacing: "Medium", items };
}

/** One Adaptive Card for the notices of one message. Pure; pinned by golden files. */
export function renderCard(notices: readonly Notice[], options: MessageLinks = {}): AdaptiveCard {
  const statusPage = statusPageOf(options);
  // Link targets are built by the monitor (portal links, the status page), never taken from Azure-side text.
  let budget = MAX_OPEN_URLS - (statusPage ? 1 : 0);
  const linksOf = notices.map((n) => {
    const own = openableLinks(n).slice(0, Math.max(0, budget));
    budget -= own.length;
    return own;
  });
  const pageButton: CardElement[] = statusPage
    ? [
        {
          type: "ActionSet",
          actions: [{ type: "Action.OpenUrl", title: STATUS_PAGE_TITLE, url: visible(statusPage, 2000) }],
        },
      ]
    : [];
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.4",
    body: [
      {
        type: "TextBlock",
        text: `Keeper connector: ${md(headline(notices), 300)}`,
        wrap: true,
        weight: "Bolder",
        size: "Medium",
      },
      ...notices.map((n, i) => section(n, linksOf[i] ?? [])),
      ...pageButton,
      {
        type: "TextBlock",
        text: `keeper-connector-monitor · ${md(notices.map((n) => n.at).sort()[0] ?? "", 40)}`,
        wrap: true,
        isSubtle: true,
        size: "Small",
        spacing: "Medium",
      },
    ],
  };
}

/** The body a Teams Workflows webhook expects: a message with the card as its one attachment. */
export function renderTeamsPayload(notices: readonly Notice[], options: MessageLinks = {}) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: renderCard(notices, options),
      },
    ],
  };
}

/** The card as plain text (the demo prints it): what people would read in the channel. */
export function renderCardText(card: AdaptiveCard): string {
  const out: string[] = [];
  const push = (line: string) => out.push(unescapeMarkdown(line));
  const walk = (els: CardElement[], indent: string) => {
    for (const e of els) {
      if (e.type === "TextBlock") push(indent + (e.fontType === "Monospace" ? "    " : "") + e.text);
      else if (e.type === "FactSet") for (const f of e.facts) push(`${indent}  ${f.title}: ${f.value}`);
      else if (e.type === "ActionSet")
        for (const a of e.actions)
          if (a.type === "Action.OpenUrl") out.push(`${indent}  [${a.title}] ${a.url}`);
          else {
            out.push(`${indent}  [${a.title}] ▾`);
            walk(a.card.body, indent + "  ");
          }
      else {
        out.push(`${indent}┃ (${e.style})`);
        walk(e.items, indent + "┃ ");
      }
    }
  };
  walk(card.body, "");
  return out.join("\n") + "\n";
}

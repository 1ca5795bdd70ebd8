import { describe, expect, it } from "vitest";
import type { Notice } from "../../src/core/notifier.js";
import { MAX_OPEN_URLS, renderCard, type CardAction, type CardElement } from "../../src/report/card.js";
import { renderEmail } from "../../src/report/email.js";
import { handoffNotice, reminderNotice } from "../../src/rotation/notices.js";
import { digest, expiring, handoff, opened, removedRole, resolvedFreshness, STATUS_PAGE } from "./fixtures.js";

/** Every button of a card that opens a URL, wherever it sits (a notice's section or the card's own row). */
function openUrls(els: readonly CardElement[]): Array<{ title: string; url: string }> {
  return els.flatMap((e): Array<{ title: string; url: string }> => {
    if (e.type === "Container") return openUrls(e.items);
    if (e.type !== "ActionSet") return [];
    return e.actions.flatMap((a: CardAction) =>
      a.type === "Action.OpenUrl" ? [{ title: a.title, url: a.url }] : openUrls(a.card.body),
    );
  });
}

const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[2], m[1]]);
const PORTAL = opened.links[0]!;

describe("Open status page", () => {
  it("the card: one button to the status page after the notices, the portal button kept", () => {
    const urls = openUrls(renderCard([opened], { statusPageUrl: STATUS_PAGE }).body);
    expect(urls).toEqual([PORTAL, { title: "Open status page", url: STATUS_PAGE }]);
    // one for the whole message, not one per notice
    const grouped = openUrls(renderCard([opened, expiring, resolvedFreshness], { statusPageUrl: STATUS_PAGE }).body);
    expect(grouped.filter((u) => u.title === "Open status page")).toHaveLength(1);
    expect(grouped.at(-1)?.url).toBe(STATUS_PAGE);
  });

  it("without STATUS_PAGE_URL (and no WEBSITE_HOSTNAME): no status page button", () => {
    expect(openUrls(renderCard([opened]).body)).toEqual([PORTAL]);
    expect(renderEmail([opened]).html).not.toContain("Open status page");
  });

  it("a plain-http status page off this machine is never offered; on loopback it is", () => {
    for (const bad of ["http://status.contoso.com/", "javascript:alert(1)", "https://u:p@x.example/"]) {
      expect(JSON.stringify(renderCard([opened], { statusPageUrl: bad }))).not.toContain("Open status page");
      expect(renderEmail([opened], { statusPageUrl: bad }).html).not.toContain("Open status page");
    }
    const local = "http://127.0.0.1:7071/api/health?format=html";
    expect(openUrls(renderCard([opened], { statusPageUrl: local }).body).at(-1)?.url).toBe(local);
  });

  it("never more than 4 OpenUrl on a card: the status page stays, the notices' buttons fill the rest in order", () => {
    const many: Notice[] = Array.from({ length: 6 }, (_, i) => ({
      ...opened,
      key: `${opened.key}|${i}`,
      links: [
        { title: `Open resource ${i}`, url: `https://portal.azure.com/#r${i}` },
        { title: `Open app ${i}`, url: `https://portal.azure.com/#a${i}` },
      ],
    }));
    for (const n of [1, 2, 3, 6]) {
      const urls = openUrls(renderCard(many.slice(0, n), { statusPageUrl: STATUS_PAGE }).body);
      expect(urls.length).toBeLessThanOrEqual(MAX_OPEN_URLS);
      expect(urls.at(-1)?.title).toBe("Open status page");
      expect(urls[0]?.title).toBe("Open resource 0");
      const without = openUrls(renderCard(many.slice(0, n)).body);
      expect(without.length).toBe(Math.min(MAX_OPEN_URLS, 2 * n));
    }
    expect(openUrls(renderCard(many, { statusPageUrl: STATUS_PAGE }).body).map((u) => u.title)).toEqual([
      "Open resource 0",
      "Open app 0",
      "Open resource 1",
      "Open status page",
    ]);
    for (const n of [[opened], [opened, expiring, resolvedFreshness], [digest], [handoff], [removedRole, handoff]])
      expect(openUrls(renderCard(n, { statusPageUrl: STATUS_PAGE }).body).length).toBeLessThanOrEqual(MAX_OPEN_URLS);
  });

  it("the email: the same link, in HTML and in the text part", () => {
    const e = renderEmail([opened, expiring], { statusPageUrl: STATUS_PAGE });
    expect(hrefs(e.html)).toContainEqual([
      "Open status page",
      "https://kcm-func-abc.azurewebsites.net/api/health?format=html",
    ]);
    expect(hrefs(e.html).filter(([t]) => t === "Open status page")).toHaveLength(1);
    expect(e.text).toContain(`Open status page: ${STATUS_PAGE}\n`);
  });
});

describe("Confirm cut-over on the rotation hand-off", () => {
  it("the hand-off card has the portal button, Confirm cut-over to the page's #rotation, and the status page", () => {
    expect(openUrls(renderCard([handoff], { statusPageUrl: STATUS_PAGE }).body)).toEqual([
      {
        title: "The secret version in the Azure portal",
        url: "https://portal.azure.com/#asset/Microsoft_Azure_KeyVault/Secret/https://kv-keeper-monitor.vault.azure.net/secrets/keeper-connector-client-secret/0123456789abcdef0123456789abcdef",
      },
      { title: "Confirm cut-over", url: `${STATUS_PAGE}#rotation` },
      { title: "Open status page", url: STATUS_PAGE },
    ]);
    const e = renderEmail([handoff], { statusPageUrl: STATUS_PAGE });
    expect(hrefs(e.html)).toContainEqual(["Confirm cut-over", `${STATUS_PAGE}#rotation`]);
    expect(e.text).toContain(`Confirm cut-over: ${STATUS_PAGE}#rotation`);
  });

  it("reminders carry it too; without a status page there is no button to a page that is not there", () => {
    const state = {
      stage: "cutover" as const,
      since: "2026-11-25T07:40:00.000Z",
      rotationId: "r1",
      newKeyId: "5e6f7a8b-0000-4000-8000-000000000002",
      newVersion: "v1",
      oldEnd: "2026-12-20T00:00:00.000Z",
    };
    const target = {
      tenantId: "t",
      appId: "a",
      vaultUri: "https://kv.vault.azure.net/",
      secretName: "s",
      endpointUrl: "https://dce.example/x",
      portalUrl: "https://portal.azure.com",
    };
    const at = new Date("2026-12-13T00:00:00.000Z");
    const titles = (n: Notice) => n.links.map((l) => l.title);
    expect(titles(reminderNotice(state, { ...target, statusPageUrl: STATUS_PAGE }, 7, at))).toContain(
      "Confirm cut-over",
    );
    expect(titles(handoffNotice(state, target, at))).not.toContain("Confirm cut-over");
    expect(titles(reminderNotice(state, target, 7, at))).not.toContain("Confirm cut-over");
  });

  it("no button or link carries a function key or a signature", () => {
    const all = JSON.stringify(renderCard([handoff, opened], { statusPageUrl: STATUS_PAGE }));
    const mail = renderEmail([handoff, opened], { statusPageUrl: STATUS_PAGE });
    expect(all + mail.html + mail.text).not.toMatch(/[?&](code|sig)=/i);
  });
});

import { describe, expect, it } from "vitest";
import { renderEmail, renderGraphMessage } from "../../src/report/email.js";
import { fixBlock } from "../../src/report/fix.js";
import { DCR, diagnosed, expiring, opened, removedRole, resolvedFreshness, STATUS_PAGE } from "./fixtures.js";
import { expectGolden } from "./golden.js";

describe("email", () => {
  it("subject names the severity, what is wrong and where", () => {
    expect(renderEmail([opened]).subject).toBe(
      "[Keeper connector] CRITICAL: role assignment missing on KeeperSecurityEventLogs_DCR",
    );
    expect(renderEmail([opened, expiring, resolvedFreshness]).subject).toBe(
      "[Keeper connector] CRITICAL: 3 notices, 2 critical, 1 resolved",
    );
  });

  it.each([
    ["email-opened", [opened]],
    ["email-grouped", [opened, expiring, resolvedFreshness]],
  ] as const)("%s HTML and text match their golden files", (name, notices) => {
    const e = renderEmail(notices, { statusPageUrl: STATUS_PAGE });
    expectGolden(`${name}.html`, e.html);
    expectGolden(`${name}.txt`, e.text);
  });

  it("escapes HTML in content", () => {
    const e = renderEmail([{ ...opened, summary: "<script>alert(1)</script> & co" }]);
    expect(e.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
    expect(e.html).not.toContain("<script>");
  });

  it("puts the dedupe key in an x- header and the text part in a text/plain attachment", () => {
    const m = renderGraphMessage([opened], ["secops@contoso.com", "oncall@contoso.com"]);
    expect(m.internetMessageHeaders.every((h) => h.name.startsWith("x-"))).toBe(true);
    expect(m.internetMessageHeaders[0]).toEqual({
      name: "x-keeper-alert-key",
      value: `role.assignment|${opened.key.split("|")[1]}|2026-11-25T07:45:00.000Z`,
    });
    expect(m.toRecipients).toEqual([
      { emailAddress: { address: "secops@contoso.com" } },
      { emailAddress: { address: "oncall@contoso.com" } },
    ]);
    expect(m.body.contentType).toBe("HTML");
    const att = m.attachments[0]!;
    expect(Buffer.from(att.contentBytes, "base64").toString("utf8")).toBe(renderEmail([opened]).text);
  });

  it("carries the same content as the card (title, summary, facts, fix, link)", () => {
    const e = renderEmail([opened]);
    const fix = fixBlock(opened.remediation!).code;
    for (const s of [opened.title, ...fix, ...opened.facts.map((f) => f.value), opened.links[0]!.url])
      expect(e.text).toContain(s);
    expect(e.html + e.text).not.toMatch(/hint|Ab~/);
  });
});

describe("email a person reads in ten seconds", () => {
  it.each([
    ["removed role", removedRole],
    ["diagnosis", diagnosed],
  ])("%s: facts in words, never JSON, in HTML and text", (_name, n) => {
    const e = renderEmail([n]);
    expect(e.text).not.toMatch(/[{}]|\[\{|"\w+"\s*:/);
    expect(e.html.replace(/<[^>]*>/g, "")).not.toMatch(/[{}]|\[\{|&quot;\w+&quot;\s*:/);
  });

  it("the fix is a <pre><code> block that never wraps, and an indented block in the text part", () => {
    const e = renderEmail([removedRole]);
    const pre = /<pre style="([^"]*)"><code>([^<]*)<\/code><\/pre>/.exec(e.html);
    expect(pre).not.toBeNull();
    expect(pre![1]).toContain("white-space:pre");
    expect(pre![1]).toMatch(/font-family:[^;]*monospace/);
    expect(pre![2]!.split("\n")).toEqual([
      "az role assignment create \\",
      "  --assignee-object-id 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b \\",
      "  --assignee-principal-type ServicePrincipal \\",
      "  --role &#39;Monitoring Metrics Publisher&#39; \\",
      `  --scope ${DCR}`,
    ]);
    expect(e.text).toContain("Fix:\n\n    az role assignment create \\\n      --assignee-object-id ");
    expect(e.text).toContain("Note: takes up to 30 minutes to apply");
  });

  it("one Since: the incident's start and the last event are named apart", () => {
    const e = renderEmail([diagnosed]);
    expect(e.text).toContain("Open since: 2026-11-25 07:45 UTC");
    expect(e.text).toContain("Last event: 2026-11-24 19:00 UTC");
    expect(e.text).not.toMatch(/^\s*Since:/m);
  });

  it("links: the resource in the portal, never a webhook signature", () => {
    const e = renderEmail([removedRole]);
    expect([...e.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([
      `https://portal.azure.com/#@11111111-2222-3333-4444-555555555555/resource${DCR}`,
    ]);
    expect(e.html + e.text).not.toMatch(/sig=/i);
  });
});

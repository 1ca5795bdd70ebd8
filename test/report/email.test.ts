import { describe, expect, it } from "vitest";
import { renderEmail, renderGraphMessage } from "../../src/report/email.js";
import { expiring, opened, resolvedFreshness } from "./fixtures.js";
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
    const e = renderEmail(notices);
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
    for (const s of [opened.title, opened.remediation!, ...opened.facts.map((f) => f.value), opened.links[0]!.url])
      expect(e.text).toContain(s);
    expect(e.html + e.text).not.toMatch(/hint|Ab~/);
  });
});

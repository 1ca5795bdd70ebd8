import { describe, expect, it } from "vitest";
import { durationMs, policyRestrictions, toAppView, toNewSecret } from "../../src/azure/graphWrite.js";
import { signInQuery, toSignIns } from "../../src/azure/signIns.js";
import { parseConfirmation, confirmationConflict } from "../../src/rotation/confirm.js";
import { MalformedReplyError } from "../../src/azure/errors.js";

const KEY = "C6205652-664D-4645-93F9-3E1EEB9E47F4";

describe("Graph write mappers", () => {
  it("maps the app with lower-case keyIds and drops hints", () => {
    const v = toAppView({
      id: "obj",
      createdDateTime: "2025-01-01T00:00:00Z",
      passwordCredentials: [{ keyId: KEY, displayName: "x", hint: "abc", endDateTime: "2026-01-01T00:00:00Z" }],
    });
    expect(v.credentials[0]).toEqual({
      keyId: KEY.toLowerCase(),
      displayName: "x",
      endDateTime: new Date("2026-01-01T00:00:00Z"),
    });
    expect(JSON.stringify(v)).not.toContain("abc");
  });
  it.each([[{}], [{ id: "o", passwordCredentials: {} }], [{ id: "o", passwordCredentials: [{ keyId: 1 }] }]])(
    "a malformed app is a MalformedReplyError: %j",
    (body) => expect(() => toAppView(body)).toThrow(MalformedReplyError),
  );
  it("needs keyId and secretText from addPassword", () => {
    expect(() => toNewSecret({ keyId: KEY })).toThrow(MalformedReplyError);
    expect(toNewSecret({ keyId: KEY, secretText: "s~x" }).keyId).toBe(KEY.toLowerCase());
  });
  it.each([
    ["P90D", 90 * 86_400_000],
    ["P1Y", 365 * 86_400_000],
    ["PT12H", 12 * 3_600_000],
    ["P1DT1H", 25 * 3_600_000],
    ["90D", undefined],
    ["P", undefined],
  ])("durationMs(%s)", (iso, ms) => expect(durationMs(iso)).toBe(ms));
  it("reads lifetime caps and addition blocks, honouring isEnabled and the creation date", () => {
    const created = new Date("2024-06-01T00:00:00Z");
    const tenant = (list: unknown[], isEnabled = true) => ({
      isEnabled,
      applicationRestrictions: { passwordCredentials: list },
    });
    expect(policyRestrictions(tenant([{ restrictionType: "passwordLifetime", maxLifetime: "P30D" }]), created)).toEqual(
      {
        readable: true,
        additionBlocked: false,
        maxLifetimeMs: 30 * 86_400_000,
      },
    );
    expect(policyRestrictions(tenant([{ restrictionType: "passwordAddition" }], false), created).additionBlocked).toBe(
      false,
    );
    expect(
      policyRestrictions(
        tenant([{ restrictionType: "passwordAddition", restrictForAppsCreatedAfterDateTime: "2025-01-01T00:00:00Z" }]),
        created,
      ).additionBlocked,
    ).toBe(false);
    expect(
      policyRestrictions(
        { isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: "passwordAddition" }] } },
        created,
      ).additionBlocked,
    ).toBe(true);
  });
});

describe("sign-in evidence", () => {
  it("is one aggregated query over successful sign-ins of the app", () => {
    expect(signInQuery("6897d2c6-ca50-46d5-8972-5efc9562512e")).toMatch(
      /summarize .*max\(TimeGenerated\).*count\(\) by ServicePrincipalCredentialKeyId$/,
    );
    expect(signInQuery("x")).toContain('ResultType == "0"');
  });
  it("maps rows and refuses malformed ones", () => {
    const cols = ["ServicePrincipalCredentialKeyId", "LastSeen", "SignIns"];
    expect(
      toSignIns(cols, [
        [KEY, "2026-01-01T00:00:00Z", 4],
        ["", "2026-01-01T00:00:00Z", 1],
      ]),
    ).toEqual([{ keyId: KEY.toLowerCase(), lastSeen: new Date("2026-01-01T00:00:00Z"), count: 4 }]);
    expect(() => toSignIns(cols, [[KEY, "nope", 1]])).toThrow(MalformedReplyError);
    expect(() => toSignIns(["a"], [])).toThrow(MalformedReplyError);
  });
});

describe("confirmation body", () => {
  const good = { rotationId: "r20260101-abc", keyId: KEY, confirmedBy: "ann@example.com" };
  it.each<[unknown, string]>([
    [null, "body"],
    ["x", "body"],
    [{ ...good, more: 1 }, "more"],
    [{ ...good, rotationId: "a b" }, "rotationId"],
    [{ ...good, keyId: "nope" }, "keyId"],
    [{ ...good, confirmedBy: "  " }, "confirmedBy"],
    [{ ...good, confirmedBy: "a\nb" }, "confirmedBy"],
    [{ ...good, confirmedBy: "a\u001b[2Jb" }, "confirmedBy"],
    [{ ...good, confirmedBy: "<img src=x onerror=alert(1)>" }, "confirmedBy"],
    [{ ...good, confirmedBy: "ann\u202e@example.com" }, "confirmedBy"],
    [{ ...good, confirmedBy: "ann\u2066x\u2069" }, "confirmedBy"],
    [{ ...good, confirmedBy: "ann\u200b@example.com" }, "confirmedBy"],
    [{ ...good, confirmedBy: "ann\ud800" }, "confirmedBy"],
    [{ ...good, confirmedBy: "a".repeat(201) }, "confirmedBy"],
  ])("refuses %j naming %s", (body, field) => {
    const r = parseConfirmation(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.field).toBe(field);
  });
  it("says why a confirmer's name is refused", () => {
    const why = (confirmedBy: string) => {
      const r = parseConfirmation({ ...good, confirmedBy });
      return r.ok ? "accepted" : r.error;
    };
    expect(why("a".repeat(201))).toBe("too long: 201 characters, at most 200");
    expect(why("<b>x</b>")).toContain("markup");
    expect(why("a\rb")).toContain("control characters");
    expect(why("a\u202eb")).toContain("bidi");
    expect(why("Ann Müller (ann@example.com)")).toBe("accepted");
  });
  it("with a signed-in caller, records that caller; a different confirmedBy is refused", () => {
    const { confirmedBy: _omit, ...noName } = good;
    const r = parseConfirmation(noName, { principal: "bob@example.com" });
    expect(r.ok && r.value.confirmedBy).toBe("bob@example.com");
    const same = parseConfirmation({ ...good, confirmedBy: "BOB@example.com" }, { principal: "bob@example.com" });
    expect(same.ok && same.value.confirmedBy).toBe("bob@example.com");
    const other = parseConfirmation(good, { principal: "bob@example.com" });
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.error).toContain("signed-in caller (bob@example.com)");
    const markup = parseConfirmation(noName, { principal: "<b>bob</b>" });
    expect(markup.ok).toBe(false);
    expect(parseConfirmation(noName).ok).toBe(false);
  });
  it("accepts the three fields and applies only to the rotation waiting for cut-over", () => {
    const r = parseConfirmation(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = { stage: "cutover" as const, since: "", rotationId: good.rotationId, newKeyId: KEY.toLowerCase() };
    expect(confirmationConflict(s, r.value)).toBeUndefined();
    expect(confirmationConflict({ ...s, stage: "idle" }, r.value)).toContain("no rotation");
    expect(confirmationConflict({ ...s, rotationId: "other" }, r.value)).toContain("rotationId");
  });
});

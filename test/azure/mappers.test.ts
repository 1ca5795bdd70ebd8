import { describe, expect, it } from "vitest";
import { toDce, toDcr, toRoleAssignment, toTable, toWorkspace } from "../../src/azure/armMappers.js";
import { toApplication, toServicePrincipal } from "../../src/azure/graphMappers.js";
import { toHourlyRows } from "../../src/azure/logs.js";
import { MalformedReplyError, observeError } from "../../src/azure/errors.js";
import { toVaultSecretVersion, isLoopbackVault } from "../../src/azure/keyVault.js";
import { RestError } from "@azure/core-rest-pipeline";

const DCR_ID =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";

describe("ARM mappers", () => {
  it("maps a DCR, normalising column types", () => {
    const dcr = toDcr({
      id: DCR_ID,
      name: "KeeperSecurityEventLogs_DCR",
      location: "eastus",
      immutableId: "dcr-0123456789abcdef0123456789abcdef",
      dataCollectionEndpointId:
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/dce",
      streamDeclarations: {
        "Custom-KeeperSecurityEventNewLogs": {
          columns: [
            { name: "TimeGenerated", type: "datetime" },
            { name: "data", type: "dynamic" },
          ],
        },
      },
      destinations: { logAnalytics: [{ name: "clv2ws1", workspaceResourceId: "/ws" }] },
      dataFlows: [
        {
          streams: ["Custom-KeeperSecurityEventNewLogs"],
          destinations: ["clv2ws1"],
          transformKql: "source",
          outputStream: "Custom-X_CL",
        },
      ],
    });
    expect(dcr.streamDeclarations["Custom-KeeperSecurityEventNewLogs"]).toEqual([
      { name: "TimeGenerated", type: "datetime" },
      { name: "data", type: "dynamic" },
    ]);
    expect(dcr.logAnalyticsDestinations).toEqual([{ name: "clv2ws1", workspaceResourceId: "/ws" }]);
    expect(dcr.dataFlows[0]?.outputStream).toBe("Custom-X_CL");
  });

  it("refuses a DCR reply without an id or with a malformed column", () => {
    expect(() => toDcr({ name: "x" } as never)).toThrow(MalformedReplyError);
    expect(() =>
      toDcr({ id: DCR_ID, name: "x", streamDeclarations: { s: { columns: [{ name: "a" }] } } } as never),
    ).toThrow(/type/);
  });

  it("maps a table with the ARM type spelling (dateTime → datetime)", () => {
    const t = toTable({
      name: "KeeperSecurityEventNewLogs_CL",
      plan: "Analytics",
      schema: {
        name: "KeeperSecurityEventNewLogs_CL",
        columns: [
          { name: "TimeGenerated", type: "dateTime" },
          { name: "Flag", type: "boolean" },
        ],
      },
    });
    expect(t.columns).toEqual([
      { name: "TimeGenerated", type: "datetime" },
      { name: "Flag", type: "bool" },
    ]);
  });

  it("maps a workspace and requires its customerId", () => {
    expect(toWorkspace({ id: "/ws", name: "law", customerId: "c0c0" } as never).customerId).toBe("c0c0");
    expect(() => toWorkspace({ id: "/ws", name: "law" } as never)).toThrow(/customerId/);
  });

  it("maps a DCE and a role assignment", () => {
    expect(
      toDce({ id: "/dce", name: "dce", logsIngestion: { endpoint: "https://x.ingest.monitor.azure.com" } } as never)
        .logsIngestionEndpoint,
    ).toBe("https://x.ingest.monitor.azure.com");
    const a = toRoleAssignment({
      id: "/ra/1",
      roleDefinitionId:
        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/3913510D-42F4-4E42-8A64-420C390055EB",
      principalId: "p",
      scope: DCR_ID,
    });
    expect(a.roleDefinitionGuid).toBe("3913510d-42f4-4e42-8a64-420c390055eb");
  });
});

describe("Graph mappers", () => {
  it("keeps keyIds and dates but never the hint or a secret", () => {
    const app = toApplication({
      id: "obj",
      appId: "app",
      displayName: "Keeper",
      passwordCredentials: [
        {
          keyId: "ABC",
          displayName: "k",
          hint: "Zx9",
          secretText: "Zx9Q~secret",
          startDateTime: "2026-01-01T00:00:00Z",
          endDateTime: "2026-07-01T00:00:00Z",
        },
      ],
    });
    expect(app.passwordCredentials[0]).toEqual({
      keyId: "abc",
      displayName: "k",
      startDateTime: new Date("2026-01-01T00:00:00Z"),
      endDateTime: new Date("2026-07-01T00:00:00Z"),
    });
    expect(JSON.stringify(app)).not.toMatch(/Zx9/);
  });

  it.each([
    [null, /not an object/],
    [{ id: "o", appId: "a", passwordCredentials: "x" }, /not an array/],
    [{ id: "o", appId: "a", passwordCredentials: [{ keyId: "k", endDateTime: "soon" }] }, /not a date/],
  ])("refuses malformed application %#", (body, err) => {
    expect(() => toApplication(body)).toThrow(err);
  });

  it("requires accountEnabled on a service principal", () => {
    expect(toServicePrincipal({ id: "o", appId: "a", accountEnabled: false }).accountEnabled).toBe(false);
    expect(() => toServicePrincipal({ id: "o", appId: "a" })).toThrow(/accountEnabled/);
  });
});

describe("Log Analytics mapper", () => {
  const cols = ["Hour", "Events", "MaxGapMin", "LastEvent", "LatencyP50", "LatencyP95"];
  it("reads the hourly rows, oldest first, nulls kept", () => {
    expect(
      toHourlyRows(cols, [
        [new Date("2026-11-25T11:00:00Z"), 3, null, new Date("2026-11-25T11:40:00Z"), 2.5, 9],
        ["2026-11-25T10:00:00Z", 42, 12.5, "2026-11-25T10:59:00Z", 3, 7.5],
      ]),
    ).toEqual([
      {
        hour: Date.parse("2026-11-25T10:00:00Z"),
        events: 42,
        maxGapMinutes: 12.5,
        lastEvent: Date.parse("2026-11-25T10:59:00Z"),
        latencyP50Minutes: 3,
        latencyP95Minutes: 7.5,
      },
      {
        hour: Date.parse("2026-11-25T11:00:00Z"),
        events: 3,
        maxGapMinutes: null,
        lastEvent: Date.parse("2026-11-25T11:40:00Z"),
        latencyP50Minutes: 2.5,
        latencyP95Minutes: 9,
      },
    ]);
  });
  it("refuses a result without the expected columns or with a bad cell", () => {
    expect(() => toHourlyRows(["x"], [[1]])).toThrow(MalformedReplyError);
    expect(() => toHourlyRows(cols, [["nope", 1, null, "2026-11-25T10:59:00Z", null, null]])).toThrow(/Hour/);
    expect(() => toHourlyRows(cols, [["2026-11-25T10:00:00Z", "x", null, "2026-11-25T10:59:00Z", null, null]])).toThrow(
      /Events/,
    );
  });
});

describe("Key Vault mapper", () => {
  it("drops the secret value", () => {
    const v = toVaultSecretVersion({
      name: "s",
      value: "super-secret-value",
      properties: { name: "s", vaultUrl: "https://v", version: "1", enabled: true, tags: { keyId: "k" } },
    });
    expect(JSON.stringify(v)).not.toContain("super-secret-value");
    expect(v.tags).toEqual({ keyId: "k" });
  });
  it.each([
    ["https://127.0.0.1:8443/", true],
    ["https://localhost:1/", true],
    ["https://kv.vault.azure.net/", false],
    ["https://127.0.0.1.nip.io/", false],
  ])("loopback vault %s → %s", (uri, expected) => expect(isLoopbackVault(uri)).toBe(expected));
});

describe("observeError", () => {
  const access = { action: "read the DCR", permission: "Monitoring Reader on /dcr" };
  const ctx = (callTimeoutMs: number, budget = new AbortController().signal) => ({ callTimeoutMs, budget });
  const rest = (status: number, body: unknown) =>
    new RestError("x", {
      statusCode: status,
      response: { status, headers: {} as never, request: {} as never, bodyAsText: JSON.stringify(body) },
    });
  it("reads only a documented not-found code as missing", () => {
    expect(observeError(rest(404, { error: { code: "ResourceNotFound" } }), access, ctx(30_000)).kind).toBe("missing");
    expect(observeError(rest(404, { error: { code: "Request_ResourceNotFound" } }), access, ctx(30_000)).kind).toBe(
      "missing",
    );
    expect(observeError(rest(404, "<html>proxy</html>"), access, ctx(30_000)).kind).toBe("unknown");
  });
  it.each([
    [403, /may not read the DCR \(403 AuthorizationFailed\)/],
    [401, /refused the monitor's token/],
    [429, /throttled/],
    [503, /service error 503/],
  ])("%i is unknown with a reason", (status, reason) => {
    const o = observeError(rest(status, { error: { code: "AuthorizationFailed" } }), access, ctx(30_000));
    expect(o.kind).toBe("unknown");
    if (o.kind === "unknown") expect(o.reason).toMatch(reason);
  });
  it("gives the permission fix for a 403", () => {
    const o = observeError(rest(403, { error: { code: "AuthorizationFailed" } }), access, ctx(30_000));
    expect(o.kind === "unknown" && o.remediation).toBe("Grant the monitor's identity Monitoring Reader on /dcr.");
  });
  it("reports a timeout in seconds", () => {
    const e = new Error("aborted");
    e.name = "AbortError";
    const o = observeError(e, access, ctx(5_000));
    expect(o.kind === "unknown" && o.reason).toMatch(/timed out after 5 s/);
  });
  it("says so when the run's budget, not the call's timeout, ended the call", () => {
    const e = new Error("aborted");
    e.name = "AbortError";
    const o = observeError(e, access, ctx(5_000, AbortSignal.abort()));
    expect(o.kind === "unknown" && o.reason).toBe(
      "the run's time budget (RUN_BUDGET_SECONDS) ran out while trying to read the DCR",
    );
  });
  it("redacts tokens from messages", () => {
    const o = observeError(new Error("bad eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcDEF123456 here"), access, ctx(5_000));
    expect(o.kind === "unknown" && o.reason).not.toContain("eyJhbGci");
  });
  it("bounds Azure error text and shows its control characters escaped", () => {
    const hostile = `Bad\u001b[2J\r\nFORGED ${"A".repeat(100_000)}`;
    for (const e of [
      rest(400, { error: { code: hostile, message: hostile } }),
      new Error(`${hostile}\nsecond line`),
      new SyntaxError(hostile),
    ]) {
      const o = observeError(e, access, ctx(5_000));
      const reason = o.kind === "unknown" ? o.reason : "";
      expect(reason.length).toBeGreaterThan(0);
      expect(reason.length).toBeLessThanOrEqual(500);
      // eslint-disable-next-line no-control-regex
      expect(reason).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

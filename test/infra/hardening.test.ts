import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate, resourcesOfType, textOf, type JsonObject, type Value } from "./arm.js";

/**
 * The hardened profile of infra/azuredeploy.json: on by default, and what it deploys (top-level
 * parameters stay open, so a value may be one of both branches; the hardened one must be there).
 */
const template = JSON.parse(
  readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8"),
) as JsonObject;

/** Each resource of a type, its properties evaluated with the defaults. */
function evaluated(type: string): { name: string; properties: Value; resource: JsonObject }[] {
  return resourcesOfType(template, type).map(({ resource, scope }) => ({
    name: textOf(evaluate(resource.name, scope)),
    properties: evaluate(resource.properties, scope),
    resource,
  }));
}

const at = (v: Value, ...path: string[]): Value =>
  path.reduce<Value>(
    (x, k) =>
      typeof x === "object" && x !== null && !Array.isArray(x) ? ((x as Record<string, Value>)[k] ?? null) : null,
    v,
  );

describe("the hardened profile (template defaults)", () => {
  it("is on by default", () => {
    expect(at(template.parameters as Value, "privateNetworking", "defaultValue")).toBe(true);
    expect(at(template.parameters as Value, "allowNoWatchdogReceiver", "defaultValue")).toBe(false);
  });

  it.each([["Microsoft.Storage/storageAccounts"], ["Microsoft.KeyVault/vaults"]])(
    "%s refuses public network access",
    (type) => {
      const [r] = evaluated(type);
      // Disabled, or Enabled only for the deployerIpRanges (empty by default) behind Deny
      const access = at(r!.properties, "publicNetworkAccess");
      expect(JSON.stringify(access)).toContain("Disabled");
      expect(JSON.stringify(at(r!.properties, "networkAcls", "defaultAction"))).toContain("Deny");
    },
  );

  it("has a private endpoint for blob, queue, table and the vault, and VNet integration", () => {
    expect(evaluated("Microsoft.Network/privateEndpoints")).toHaveLength(1); // one copy loop over:
    const text = JSON.stringify(template);
    for (const g of ["blob", "queue", "table", "vault"]) expect(text).toContain(`"groupId":"${g}"`);
    expect(text).toMatch(
      /"virtualNetworkSubnetId":"\[if\(parameters\('privateNetworking'\), createObject\('value', reference\([^"]*'network'[^"]*appSubnetId/,
    );
    const [vnet] = evaluated("Microsoft.Network/virtualNetworks");
    expect(JSON.stringify(vnet!.properties)).toContain("Microsoft.App/environments");
  });

  it("sends the vault's AuditEvent and the app's FunctionAppLogs to the monitor's workspace", () => {
    const categories = evaluated("Microsoft.Insights/diagnosticSettings").flatMap((d) =>
      ((at(d.properties, "logs") as Value[] | null) ?? []).map((l) => textOf(at(l, "category"))),
    );
    expect(categories.sort()).toEqual(["AuditEvent", "FunctionAppLogs"]);
  });

  it("turns local auth off on Application Insights and authenticates the app's telemetry", () => {
    const [ai] = evaluated("Microsoft.Insights/components");
    expect(at(ai!.properties, "DisableLocalAuth")).toBe(true);
    const [site] = evaluated("Microsoft.Web/sites");
    expect(JSON.stringify(at(site!.properties, "siteConfig", "appSettings"))).toContain(
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    );
  });

  it("refuses a watchdog without a receiver unless allowNoWatchdogReceiver, and says so in an output", () => {
    const text = JSON.stringify(template);
    expect(text).toMatch(/fail\('alertEmail \(WATCHDOG_ALERT_EMAIL\) is empty/);
    expect(Object.keys((template.outputs as JsonObject) ?? {})).toContain("WATCHDOG_WARNING");
  });
});

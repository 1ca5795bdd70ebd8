import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import { VALID_ENV } from "../config/env.js";
import { appSettings, type JsonObject } from "./arm.js";

/**
 * The settings list in src/config/settings.ts is the interface; the Bicep template (compiled to
 * infra/azuredeploy.json), local.settings.sample.json and README.md's "## Settings" table must
 * name exactly those settings. Driven by SETTINGS: a new setting only needs adding there (and
 * then in the three places this test points at).
 */

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** Settings of the Functions host and platform, not of the monitor: allowed besides SETTINGS. */
const PLATFORM_SETTINGS: ReadonlySet<string> = new Set([
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "AzureWebJobsStorage__blobServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__tableServiceUri",
  "AzureWebJobsFeatureFlags",
  "AzureWebJobsSecretStorageType",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  "FUNCTIONS_EXTENSION_VERSION",
  "FUNCTIONS_WORKER_RUNTIME",
]);

/**
 * Settings the template already sets while the code does not know them
 * yet. Each entry is allowed only while SETTINGS lacks it: once the code adds it, the last test
 * below fails until the entry is removed here.
 */
const AWAITING_CODE: ReadonlySet<string> = new Set<string>([]);

/** Settings the template must never set in Azure (the code's own description says so). */
const NEVER_IN_AZURE: ReadonlySet<string> = new Set(["AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"]);

const known = new Set(SETTINGS.map((s) => s.name));
const required = SETTINGS.filter((s) => s.required === true).map((s) => s.name);
const secret = new Set(SETTINGS.filter((s) => s.secret === true).map((s) => s.name));

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const missing = (wanted: Iterable<string>, have: Iterable<string>) => {
  const h = new Set(have);
  return sorted([...wanted].filter((x) => !h.has(x)));
};

describe("SETTINGS", () => {
  it("has unique names", () => {
    const names = SETTINGS.map((s) => s.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describe("infra/azuredeploy.json (compiled from infra/main.bicep)", () => {
  const template = JSON.parse(read("infra/azuredeploy.json")) as JsonObject;
  const settings = appSettings(template);
  const names = settings.map((s) => s.name);

  it("has exactly one Function App", () => {
    expect(sorted(settings.map((s) => s.site))).toHaveLength(1);
  });

  it("sets every required setting, unconditionally, but those a connector's record stands in for", () => {
    // With several workspaces (keeperWorkspaceResourceIds) the connector's settings are left out:
    // the app refuses them then (test/infra/snapshot.test.ts checks both deployments).
    const findable = new Set<string>(DISCOVERABLE_SETTINGS);
    const unconditional = settings.filter((s) => !s.conditional).map((s) => s.name);
    expect(missing(required, [...unconditional, ...findable])).toEqual([]);
    expect(missing(required, names)).toEqual([]);
    expect(settings.filter((s) => findable.has(s.name) && !s.conditional).map((s) => s.name)).toEqual([]);
  });

  it("sets nothing the code does not know (besides the platform's settings)", () => {
    const unknown = names.filter((n) => !known.has(n) && !PLATFORM_SETTINGS.has(n) && !AWAITING_CODE.has(n));
    expect(sorted(unknown)).toEqual([]);
  });

  it("sets each setting once", () => {
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("never sets the outside-Azure credentials", () => {
    expect(names.filter((n) => NEVER_IN_AZURE.has(n))).toEqual([]);
  });

  it("gives secrets only as Key Vault references", () => {
    for (const s of settings.filter((x) => secret.has(x.name) || x.name === "ALERT_TEAMS_WEBHOOK_URL")) {
      expect(s.value, s.name).toMatch(
        /^@Microsoft\.KeyVault\(VaultName=.+;SecretName=.+\)$|^format\('@Microsoft\.KeyVault\(VaultName=\{0\};SecretName=\{1\}\)'/,
      );
    }
  });

  it("gives every whole-number parameter of a setting exactly the range the setting accepts", () => {
    const params = (template.parameters ?? {}) as Record<
      string,
      { type?: string; minValue?: number; maxValue?: number }
    >;
    const ranges = settings.flatMap((s) => {
      const name = /^string\(parameters\('(\w+)'/.exec(s.value)?.[1];
      const p = name === undefined ? undefined : params[name];
      if (name === undefined || p?.type !== "int") return [];
      return [
        { param: name, setting: s.name, template: [p.minValue ?? null, p.maxValue ?? null], app: settingRange(s.name) },
      ];
    });
    expect(ranges.length).toBeGreaterThanOrEqual(15);
    expect(ranges.filter((r) => r.template.join() !== r.app.join())).toEqual([]);
  });

  it("lists in AWAITING_CODE only settings that SETTINGS still lacks", () => {
    expect([...AWAITING_CODE].filter((n) => known.has(n))).toEqual([]);
  });
});

/** Whether loadConfig refuses `value` for `name` as out of range (other settings valid). */
function refuses(name: string, value: number): boolean {
  try {
    loadConfig({ ...VALID_ENV, [name]: String(value) });
    return false;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Only the setting's own range counts, not a rule tying it to another setting.
    return e.problems.some((p) => p.setting === name && /out of range|not a whole number/.test(p.message));
  }
}

/** The [min, max] a whole-number setting accepts, found by asking loadConfig (max null: none up to 10^7). */
function settingRange(name: string): [number | null, number | null] {
  const accepted: number[] = [];
  for (const v of [0, 1, 2, 5, 10]) if (!refuses(name, v)) accepted.push(v);
  const min = accepted[0];
  if (min === undefined) return [null, null];
  let lo = min;
  let hi = 10_000_000;
  if (!refuses(name, hi)) return [min, null];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (refuses(name, mid)) hi = mid;
    else lo = mid;
  }
  return [min, lo];
}

describe("settingRange", () => {
  it("finds the bounds loadConfig enforces", () => {
    expect(settingRange("CALL_TIMEOUT_SECONDS")).toEqual([1, 30]);
    expect(settingRange("SILENCE_THRESHOLD_MINUTES")).toEqual([5, 7 * 24 * 60]);
  });
});

describe("local.settings.sample.json", () => {
  const path = "local.settings.sample.json";

  it("exists", () => {
    expect(existsSync(new URL(path, root)), `${path} is missing`).toBe(true);
  });

  it("names every setting of SETTINGS in Values, and nothing unknown", () => {
    const sample = JSON.parse(read(path)) as { Values?: Record<string, unknown> };
    expect(typeof sample.Values).toBe("object");
    const names = Object.keys(sample.Values ?? {});
    expect({
      missing: missing(known, names),
      unknown: sorted(names.filter((n) => !known.has(n) && !PLATFORM_SETTINGS.has(n))),
    }).toEqual({ missing: [], unknown: [] });
  });
});

/** First-column backticked names of the markdown table(s) under "## Settings". */
export function readmeSettingNames(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+Settings\s*$/.test(l));
  if (start < 0) throw new Error('README.md has no "## Settings" section');
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    if (!line.trimStart().startsWith("|")) continue;
    const first = line.trim().replace(/^\|/, "").split("|")[0]?.trim() ?? "";
    const m = /^`([^`]+)`$/.exec(first);
    if (m?.[1] !== undefined) names.push(m[1]);
  }
  return names;
}

describe("README.md", () => {
  it("has a settings table naming every setting of SETTINGS, and nothing else", () => {
    expect(existsSync(new URL("README.md", root)), "README.md is missing").toBe(true);
    const names = readmeSettingNames(read("README.md"));
    expect({ missing: missing(known, names), unknown: sorted(names.filter((n) => !known.has(n))) }).toEqual({
      missing: [],
      unknown: [],
    });
  });

  it("reads the table's first column only, under ## Settings only", () => {
    const md = [
      "# x",
      "| `NOT_THIS` | a |",
      "## Settings",
      "",
      "| Setting | Default | Meaning |",
      "|---|---|---|",
      "| `KEEPER_APP_ID` | | mentions `OTHER` |",
      "| `SECRET_WARN_DAYS` | `14` | |",
      "### Custom cloud",
      "| `AZURE_AUTHORITY_HOST` | | |",
      "## Next",
      "| `NOR_THIS` | |",
    ].join("\n");
    expect(readmeSettingNames(md)).toEqual(["KEEPER_APP_ID", "SECRET_WARN_DAYS", "AZURE_AUTHORITY_HOST"]);
  });
});

import { parseArmId, type ArmId } from "../core/armId.js";
import { firesMoreThanOncePerMinute, isValidSchedule } from "./schedule.js";
import { isGuid } from "../core/ids.js";

export interface SettingProblem {
  setting: string;
  message: string;
}

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

/**
 * Reads settings from an environment and collects every problem instead of stopping at the
 * first: each feature's parser uses one reader, and loadConfig throws once with all of them.
 * Empty values count as unset; defaults come from `defaultOf` (settingDefault: the SETTINGS list).
 */
export class SettingReader {
  readonly problems: SettingProblem[] = [];

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly defaultOf: (name: string) => string | undefined,
  ) {}

  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  }

  /** Whether the setting was given (not just defaulted). */
  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  get(name: string): string | undefined {
    return this.raw(name) ?? this.defaultOf(name);
  }

  fail(setting: string, message: string): void {
    this.problems.push({ setting, message });
  }

  required(name: string, what: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) this.fail(name, `missing: ${what}`);
    return v;
  }

  guid(name: string, what: string): string {
    const v = this.required(name, what);
    if (v !== undefined && !isGuid(v))
      this.fail(name, `not a GUID: expected ${what} like 00000000-0000-0000-0000-000000000000`);
    return v ?? "";
  }

  armId(name: string, provider: string, type: string, what: string): ArmId | undefined {
    const v = this.required(name, what);
    if (v === undefined) return undefined;
    const stray = /[\s?#%]/.exec(v);
    if (stray) {
      // a query, fragment or space is never part of an ARM id; the SDK would send it along and the
      // resource would read as missing
      this.fail(
        name,
        `must not contain ${stray[0].trim() ? `"${stray[0]}"` : "whitespace"}: an ARM resource ID has no query, fragment or space`,
      );
      return undefined;
    }
    const id = parseArmId(v);
    if (!id) {
      this.fail(
        name,
        `not an ARM resource ID: expected /subscriptions/<id>/resourceGroups/<rg>/providers/${provider}/${type}/<name>`,
      );
      return undefined;
    }
    if (id.provider.toLowerCase() !== provider.toLowerCase() || id.type.toLowerCase() !== type.toLowerCase()) {
      this.fail(name, `an ARM ID of the wrong type: ${id.provider}/${id.type}, expected ${provider}/${type}`);
      return undefined;
    }
    if (!isGuid(id.subscriptionId)) this.fail(name, `subscription "${id.subscriptionId}" in the ARM ID is not a GUID`);
    return id;
  }

  /**
   * An https URL without user info, query or fragment, returned without a trailing slash.
   * `originOnly`: also without a path (an endpoint the SDK appends its own paths to).
   */
  httpsUrl(name: string, value: string | undefined, options: { originOnly?: string } = {}): string | undefined {
    if (value === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      this.fail(name, "not a URL: expected an https URL");
      return undefined;
    }
    if (u.protocol !== "https:") {
      this.fail(name, `not an https URL (${u.protocol.replace(":", "")}): bearer tokens are only sent over https`);
      return undefined;
    }
    if (u.search || u.hash || /[?#]/.test(value)) {
      this.fail(name, "must not carry a query string or fragment");
      return undefined;
    }
    if (u.username || u.password) {
      this.fail(name, "must not carry user info (user:password@): credentials never go in a URL");
      return undefined;
    }
    if (/\s/.test(value)) {
      this.fail(name, "must not contain whitespace");
      return undefined;
    }
    if (options.originOnly !== undefined && u.pathname !== "/") {
      this.fail(name, `must not carry a path (${u.pathname}): ${options.originOnly}`);
      return undefined;
    }
    return u.toString().replace(/\/+$/, "");
  }

  int(name: string, min: number, max: number): number {
    const v = this.get(name) ?? "";
    if (!/^\d+$/.test(v)) {
      this.fail(name, `not a whole number: "${v}"`);
      return Number.NaN;
    }
    const n = Number(v);
    if (n < min || n > max) this.fail(name, `out of range: ${n}, expected ${min}–${max}`);
    return n;
  }

  bool(name: string): boolean {
    const v = (this.get(name) ?? "").toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
    this.fail(name, `not true or false: "${v}"`);
    return false;
  }

  /** A timer schedule; `optional` allows an empty value meaning "off" (returns undefined). */
  schedule(name: string, options: { optional?: boolean } = {}): string | undefined {
    const v =
      options.optional && this.env[name] !== undefined && this.env[name]?.trim() === "" ? "" : (this.get(name) ?? "");
    if (v === "" && options.optional) return undefined;
    if (!isValidSchedule(v))
      this.fail(name, `not an NCRONTAB schedule of six fields (sec min hour day month weekday): "${v}"`);
    else if (firesMoreThanOncePerMinute(v))
      this.fail(
        name,
        `fires more than once a minute ("${v}"): the shortest interval is one minute, e.g. "0 */5 * * * *" (the seconds field must name one second)`,
      );
    return v;
  }

  /** A comma-separated list of email addresses (may be empty). */
  emails(name: string): string[] {
    const v = this.get(name);
    if (v === undefined) return [];
    const list = v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const bad = list.filter((s) => !EMAIL.test(s));
    if (bad.length) this.fail(name, `not an email address: ${bad.map((b) => `"${b}"`).join(", ")}`);
    return list;
  }
}

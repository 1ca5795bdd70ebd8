/** Parsing of Azure Resource Manager resource IDs. */
export interface ArmId {
  /** The ID as given, without a trailing slash. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  /** e.g. "dataCollectionRules" (top-level type under the provider). */
  type: string;
  name: string;
}

const ARM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i;

export function parseArmId(value: string): ArmId | undefined {
  const id = value.trim().replace(/\/+$/, "");
  const m = ARM_ID.exec(id);
  if (!m) return undefined;
  const [, subscriptionId, resourceGroup, provider, type, name] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { id, subscriptionId, resourceGroup, provider, type, name };
}

/** Same resource: ARM IDs compare case-insensitively. */
export function sameArmId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}

/** True when `scope` is `id` itself or one of its ancestors (resource group, subscription, /). */
export function scopeCovers(scope: string, id: string): boolean {
  const s = scope.replace(/\/+$/, "").toLowerCase();
  const r = id.replace(/\/+$/, "").toLowerCase();
  if (s === "") return true;
  return r === s || r.startsWith(s + "/");
}

/**
 * A resource ID or scope as the SDKs' `{scope}` / `{+resourceUri}` path parameters want it: their path
 * templates already begin with "/", so an ID given with its own leading slash would go out as
 * "//subscriptions/...", a path no ARM example shows.
 */
export const sdkScope = (id: string): string => id.replace(/^\/+/, "");

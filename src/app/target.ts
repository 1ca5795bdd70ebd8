import { createHash } from "node:crypto";
import type { Config } from "../config/loadConfig.js";
import { parseArmId } from "../core/armId.js";
import { visible } from "../core/safeText.js";

/**
 * One Keeper connector a deployment watches. With several, each has its own findings, alert state,
 * rotation and health, all keyed by `key`.
 */
export interface TargetRef {
  /** Stable and URL-safe: lower-case letters, digits and dashes, at most 63 (`?target=`, table names, leases). */
  key: string;
  /** What people read: "<workspace> · <connector>". Visible text only. */
  label: string;
  /** The Sentinel workspace the connector was found in. */
  workspaceId: string;
  /** Sentinel's data connector, when the values came from its record. */
  connectorName?: string;
}

/** A target key: lower-case letters, digits and dashes, 1–63, not starting or ending with a dash. */
export const TARGET_KEY = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const digest8 = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 8);

/** The target of a workspace's connector: the workspace's name and 8 hex digits of both ids. */
export function targetRef(workspaceId: string, connectorName?: string): TargetRef {
  const name = parseArmId(workspaceId)?.name ?? "workspace";
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "workspace";
  const key = `${slug}-${digest8(`${workspaceId.toLowerCase()}|${connectorName ?? ""}`)}`;
  const label = connectorName ? `${visible(name, 64)} · ${visible(connectorName, 80)}` : visible(name, 64);
  return { key, label, workspaceId, ...(connectorName ? { connectorName } : {}) };
}

/** The target's own tables of alert and rotation state (Table names: letters and digits, 3–63). */
export function targetTables(key: string): { alerts: string; rotation: string } {
  const h = digest8(key);
  return { alerts: `keepermonitor${h}`, rotation: `keepermonitorrotation${h}` };
}

/**
 * A target's settings within a fleet: its own Key Vault secret (`<KEY_VAULT_SECRET_NAME>-<key>`),
 * and the status page of this target (`target=` added to the page's URL).
 */
export function forTarget(config: Config, t: Pick<TargetRef, "key" | "label">): Config {
  const statusPageUrl = config.alerts.statusPageUrl && withTarget(config.alerts.statusPageUrl, t.key);
  return {
    ...config,
    target: { key: t.key, label: t.label },
    ...(config.keyVault
      ? {
          keyVault: {
            ...config.keyVault,
            secretName: `${config.keyVault.secretName.slice(0, 127 - 1 - t.key.length)}-${t.key}`,
          },
        }
      : {}),
    alerts: { ...config.alerts, ...(statusPageUrl ? { statusPageUrl } : {}) },
  };
}

function withTarget(pageUrl: string, key: string): string {
  const u = new URL(pageUrl);
  u.searchParams.set("target", key);
  return u.toString();
}

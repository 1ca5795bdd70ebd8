import { DISCOVERABLE_SETTINGS } from "./discovered.js";
import type { SettingProblem } from "./settingReader.js";

/** At most this many workspaces in one deployment's KEEPER_WORKSPACE_RESOURCE_ID. */
export const MAX_WORKSPACES = 1000;

/**
 * The workspaces of KEEPER_WORKSPACE_RESOURCE_ID: one, or several separated by commas (each is
 * checked as an ARM id where it is used). With several, every connector's values come from
 * Sentinel's record: a KEEPER_* connector setting would name one connector only, so it is refused.
 */
export function workspaceList(env: Record<string, string | undefined>): {
  ids: string[];
  problems: SettingProblem[];
} {
  const raw = env["KEEPER_WORKSPACE_RESOURCE_ID"]?.trim() ?? "";
  const ids = raw
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  const problems: SettingProblem[] = [];
  if (ids.length <= 1) return { ids, problems };
  const seen = new Set<string>();
  for (const id of ids) {
    const k = id.toLowerCase();
    if (seen.has(k)) {
      problems.push({
        setting: "KEEPER_WORKSPACE_RESOURCE_ID",
        message: `workspace ${id.slice(0, 300)} is listed twice`,
      });
      break;
    }
    seen.add(k);
  }
  if (ids.length > MAX_WORKSPACES)
    problems.push({
      setting: "KEEPER_WORKSPACE_RESOURCE_ID",
      message: `${ids.length} workspaces: at most ${MAX_WORKSPACES} in one deployment`,
    });
  for (const name of DISCOVERABLE_SETTINGS)
    if (env[name]?.trim())
      problems.push({
        setting: name,
        message: `names one connector, but KEEPER_WORKSPACE_RESOURCE_ID lists ${ids.length} workspaces, whose connectors are found in Sentinel: leave it unset (or deploy one monitor for this connector)`,
      });
  return { ids, problems };
}

import type { TokenCredential } from "@azure/core-auth";
import { ConfigError, discoveryWanted, loadDiscoverySettings } from "../config/loadConfig.js";
import type { Discovered } from "../config/discovered.js";
import type { DcrLists } from "./discover.js";
import { workspaceList } from "../config/workspaces.js";
import { mapLimit } from "../core/mapLimit.js";
import { createApp, type App, type AppOptions } from "./compose.js";
import { targetRef, targetTables, type TargetRef } from "./target.js";

/** One watched connector and its own composition root (monitor, alert state, rotation). */
export interface Target extends TargetRef {
  app: App;
}

/** The connectors one deployment watches: one (today's single connector) or several. */
export interface Fleet {
  /**
   * Loads the SDK modules and finds the targets: each workspace's Keeper connectors. With several
   * targets they are looked up again after FLEET_REFRESH_MS (a workspace whose lookup failed, a
   * target whose monitor says why, after FAILED_RETRY_MS).
   */
  load: () => Promise<readonly Target[]>;
  /** The targets found by the last load (empty before it). */
  targets: () => readonly Target[];
  target: (key: string) => Target | undefined;
  /**
   * The target `key` of workspace `workspace`, looking up that workspace alone when the targets
   * have not all been found yet (a new instance handed one target's check); undefined when the
   * workspace is not in the settings or holds no such connector.
   */
  targetIn: (workspace: string, key: string) => Promise<Target | undefined>;
  /** The credential every target shares (after load); undefined when the settings give none. */
  credential: () => TokenCredential | undefined;
  /**
   * Whether outputs are per target: several workspaces are set, or one workspace holds several
   * Keeper connectors. Otherwise every output is today's single-connector one.
   */
  several: () => boolean;
  /** The app's clock. */
  now: () => Date;
}

/**
 * With several targets, the connectors are looked up again after this long, so a connector added
 * in Sentinel is watched within the hour and one removed is dropped; a target whose values are
 * unchanged keeps its app (and its monitor's state in memory).
 */
export const FLEET_REFRESH_MS = 60 * 60_000;
/** A workspace whose lookup failed is looked up again after this long. */
export const FAILED_RETRY_MS = 5 * 60_000;

/** At most this many workspaces are looked up at once. */
const DISCOVERY_CONCURRENCY = 8;

/**
 * The fleet from the settings. One workspace with its connector's settings (or one Keeper
 * connector found) is one target whose app is exactly today's. Several workspaces, or a workspace
 * with several Keeper connectors, give one target per connector, each with its own tables of
 * alert and rotation state, its own Key Vault secret name and status page link, alerts that name
 * it, and one credential (one token cache) for them all.
 */
export function createFleet(options: AppOptions): Fleet {
  const now = options.now ?? (() => new Date());
  let found: Target[] = [];
  let several = false;
  let loading: Promise<readonly Target[]> | undefined;
  let done = false;

  let foundAt = 0;
  /** The workspaces whose lookup failed: looked up again sooner than the others. */
  const placeholders = new WeakSet<Target>();
  /** Each target by key, with the values it was found with: a refresh keeps a target whose values stay. */
  const known = new Map<string, { target: Target; values: string }>();

  const load = async (): Promise<readonly Target[]> => {
    if (done) {
      const age = now().getTime() - foundAt;
      const stale =
        several && (age >= FLEET_REFRESH_MS || (age >= FAILED_RETRY_MS && found.some((t) => placeholders.has(t))));
      if (!stale) {
        await Promise.all(found.map((t) => t.app.load()));
        return found;
      }
      loading ??= refresh().finally(() => (loading = undefined));
      return loading;
    }
    loading ??= build()
      .then((t) => {
        found = t;
        foundAt = now().getTime();
        done = true;
        return t;
      })
      .finally(() => (loading = undefined));
    return loading;
  };

  /** The targets found again; a lookup that fails as a whole keeps the ones found before. */
  const refresh = async (): Promise<readonly Target[]> => {
    perWorkspace.clear();
    try {
      found = await build();
    } catch {
      // the next refresh tries again; until then the targets found before are watched
    }
    foundAt = now().getTime();
    await Promise.all(found.map((t) => t.app.load()));
    return found;
  };

  let shared: TokenCredential | undefined;
  let credentialFound: Promise<TokenCredential | undefined> | undefined;
  const credentialFor = (ws: string): Promise<TokenCredential | undefined> =>
    (credentialFound ??= sharedCredential(options, ws).then((c) => (shared = c)));
  /** Each workspace's targets and when they were looked up (a failed lookup: a placeholder that says why). */
  const perWorkspace = new Map<string, { at: number; targets: Promise<Target[]> }>();
  const workspaceTargets = (ws: string, dcrLists: DcrLists = new Map()): Promise<Target[]> => {
    const k = ws.toLowerCase();
    const entry = perWorkspace.get(k);
    if (entry) return entry.targets;
    const targets = (async () => {
      const { discoverAll } = await import("./discover.js");
      const credential = await credentialFor(ws);
      const env = { ...options.env, KEEPER_WORKSPACE_RESOURCE_ID: ws };
      const many = await discoverMany(discoverAll, env, credential, dcrLists);
      if (!many) return [await lookedUpByItsRun(ws, credential)];
      return Promise.all(many.map((d) => fleetTarget(ws, d, credential)));
    })();
    targets.catch(() => perWorkspace.delete(k));
    perWorkspace.set(k, { at: now().getTime(), targets });
    return targets;
  };
  /** The same, looked up again when it is stale (the check of one target on an instance that has no other). */
  const freshWorkspaceTargets = async (ws: string): Promise<Target[]> => {
    const k = ws.toLowerCase();
    const entry = perWorkspace.get(k);
    if (entry) {
      const age = now().getTime() - entry.at;
      const targets = await entry.targets;
      const failed = targets.some((t) => placeholders.has(t));
      if (age >= FLEET_REFRESH_MS || (failed && age >= FAILED_RETRY_MS)) perWorkspace.delete(k);
    }
    return workspaceTargets(ws);
  };

  const build = async (): Promise<Target[]> => {
    // one lookup of the fleet lists each subscription's DCRs once for all its workspaces
    const dcrLists: DcrLists = new Map();
    const { ids, problems } = workspaceList(options.env);
    if (problems.length) return [failing(new ConfigError(problems), options, now)];
    if (ids.length <= 1 && !(ids.length === 1 && discoveryWanted(options.env))) {
      // the connector's settings are set (or missing: its monitor names them): today's app
      const single = createApp({ ...options, now });
      await single.load();
      return [{ ...targetRef(ids[0] ?? ""), app: single }];
    }
    const { discoverAll } = await import("./discover.js");
    const credential = await credentialFor(ids[0]!);
    if (ids.length === 1) {
      const many = await discoverMany(discoverAll, options.env, credential, dcrLists);
      if (many && many.length > 1) {
        several = true;
        const targets = Promise.all(many.map((d) => fleetTarget(ids[0]!, d, credential)));
        perWorkspace.set(ids[0]!.toLowerCase(), { at: now().getTime(), targets });
        return targets;
      }
      // one connector found: today's app, from the values found; not found: its app says why
      const single = createApp({
        ...options,
        now,
        ...(many?.[0] ? { discovered: many[0] } : {}),
        ...(many?.[0] && credential ? { credential } : {}),
      });
      await single.load();
      return [{ ...targetRef(ids[0]!, many?.[0]?.connectorName), app: single }];
    }
    several = true;
    return (await mapLimit(ids, DISCOVERY_CONCURRENCY, (ws) => workspaceTargets(ws, dcrLists))).flat();
  };

  const targetIn = async (workspace: string, key: string): Promise<Target | undefined> => {
    if (done)
      return (await load()).find((t) => t.key === key && t.workspaceId.toLowerCase() === workspace.toLowerCase());
    const { ids, problems } = workspaceList(options.env);
    const ws = ids.find((id) => id.toLowerCase() === workspace.toLowerCase());
    if (problems.length || !ws) return undefined;
    if (ids.length === 1) {
      // one workspace: its connectors are the whole fleet
      const all = await load();
      return all.find((t) => t.key === key);
    }
    several = true;
    const targets = await freshWorkspaceTargets(ws);
    const t = targets.find((x) => x.key === key);
    if (t) await t.app.load();
    return t;
  };

  /**
   * A target's own composition root: its workspace, tables, secret name and alert prefix, the
   * shared credential, and the values found (without them, its app looks them up itself).
   */
  const targetOf = async (
    ws: string,
    ref: TargetRef,
    credential: TokenCredential | undefined,
    discovered?: Discovered,
  ): Promise<Target> => {
    const app = createApp({
      ...options,
      env: { ...options.env, KEEPER_WORKSPACE_RESOURCE_ID: ws },
      now,
      ...(discovered ? { discovered } : {}),
      target: ref,
      tables: targetTables(ref.key),
      ...(credential ? { credential } : {}),
    });
    await app.load();
    return { ...ref, app };
  };

  /** A connector found by the fleet's lookup: its app starts from the values found. */
  const fleetTarget = async (ws: string, d: Discovered, credential: TokenCredential | undefined): Promise<Target> => {
    const ref = targetRef(ws, d.connectorName);
    const values = JSON.stringify(d);
    const before = known.get(ref.key);
    if (before && before.values === values) return before.target;
    const target = await targetOf(ws, ref, credential, d);
    known.set(ref.key, { target, values });
    return target;
  };

  /** A workspace whose lookup failed: its app looks it up again, and says why until it succeeds. */
  const lookedUpByItsRun = async (ws: string, credential: TokenCredential | undefined): Promise<Target> => {
    const ref = targetRef(ws);
    const before = known.get(ref.key);
    if (before && placeholders.has(before.target)) return before.target;
    const target = await targetOf(ws, ref, credential);
    placeholders.add(target);
    known.set(ref.key, { target, values: "" });
    return target;
  };

  return {
    load,
    targets: () => found,
    target: (key) => found.find((t) => t.key === key),
    targetIn,
    credential: () => shared ?? options.credential,
    several: () => several,
    now,
  };
}

/** Every Keeper connector of the workspace, or undefined when the lookup failed. */
async function discoverMany(
  discoverAll: typeof import("./discover.js").discoverAll,
  env: Record<string, string | undefined>,
  credential: TokenCredential | undefined,
  dcrLists: DcrLists,
): Promise<Discovered[] | undefined> {
  try {
    return await discoverAll(env, { ...(credential ? { credential } : {}), dcrLists });
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

/** One credential (one token cache) for every target: the one given, else the monitor's own. */
async function sharedCredential(options: AppOptions, ws: string): Promise<TokenCredential | undefined> {
  if (options.credential) return options.credential;
  try {
    const settings = loadDiscoverySettings({ ...options.env, KEEPER_WORKSPACE_RESOURCE_ID: ws });
    const { createCredential } = await import("../azure/credential.js");
    return createCredential(settings);
  } catch (e) {
    // a bad identity or cloud setting: each target's monitor names it
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

/** A target that can only say what is wrong with the settings. */
function failing(error: ConfigError, options: AppOptions, now: () => Date): Target {
  const inner = createApp({ ...options, now });
  const fail = (): never => {
    throw error;
  };
  const app: App = {
    load: () => inner.load(),
    getMonitor: fail,
    getAlerting: fail,
    sinkFor: () => ({ record: () => Promise.reject(error) }),
    sink: { record: () => Promise.reject(error) },
    notifier: { notify: () => Promise.reject(error) },
    now,
  };
  return { key: "settings", label: "settings", workspaceId: "", app };
}

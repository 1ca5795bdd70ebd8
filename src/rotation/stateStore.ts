import { statusOf } from "../core/httpStatus.js";
import { INITIAL_STATE, type RotationState } from "./model.js";

/**
 * The parts of a Table storage client the store uses (structurally a TableClient from
 * @azure/data-tables), so the domain stays free of SDK imports and tests can use Azurite.
 */
export interface TableLike {
  createTable(): Promise<unknown>;
  getEntity<T extends object>(pk: string, rk: string): Promise<T & { etag: string }>;
  createEntity<T extends object>(entity: T & { partitionKey: string; rowKey: string }): Promise<{ etag?: string }>;
  updateEntity<T extends object>(
    entity: T & { partitionKey: string; rowKey: string },
    mode: "Replace" | "Merge",
    options: { etag: string },
  ): Promise<{ etag?: string }>;
}

/** Another writer changed the row since it was read (ETag mismatch, or created meanwhile). */
export class ConflictError extends Error {
  constructor(what: string) {
    super(`conflict: ${what} changed since it was read`);
    this.name = "ConflictError";
  }
}

export interface LoadedState {
  state: RotationState;
  /** Undefined when the row does not exist yet. */
  etag: string | undefined;
}

export interface RotationStore {
  load(): Promise<LoadedState>;
  /** Writes with the ETag read (or creates when undefined); throws ConflictError when someone wrote first. */
  save(state: RotationState, etag: string | undefined): Promise<string>;
  /** Takes the lease when free or expired; false when another holder has it. */
  acquireLease(holder: string, now: Date, ttlMs: number): Promise<boolean>;
  releaseLease(holder: string, now: Date): Promise<void>;
}

interface StateRow {
  stage: string;
  state: string;
}
interface LeaseRow {
  holder: string;
  expiresAt: string;
}

/**
 * Rotation state in one row and a lease in another, both written with ETags: two overlapping
 * timer instances cannot both take the lease, and a writer that lost its lease cannot overwrite
 * the state. Rows hold ids, dates and names only.
 */
export function tableRotationStore(table: TableLike, appId: string): RotationStore {
  let ensured: Promise<unknown> | undefined;
  const ensureTable = () =>
    (ensured ??= table.createTable().catch((e: unknown) => {
      ensured = undefined;
      if (statusOf(e) !== 409) throw e;
    }));
  const pk = "rotation";
  const stateKey = appId.toLowerCase();
  const leaseKey = `lease-${stateKey}`;

  async function read<T extends object>(rk: string): Promise<(T & { etag: string }) | undefined> {
    await ensureTable();
    try {
      return await table.getEntity<T>(pk, rk);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async function write<T extends object>(rk: string, row: T, etag: string | undefined): Promise<string> {
    await ensureTable();
    try {
      const r =
        etag === undefined
          ? await table.createEntity({ partitionKey: pk, rowKey: rk, ...row })
          : await table.updateEntity({ partitionKey: pk, rowKey: rk, ...row }, "Replace", { etag });
      return r.etag ?? "";
    } catch (e) {
      if (statusOf(e) === 412 || statusOf(e) === 409) throw new ConflictError(rk);
      throw e;
    }
  }

  return {
    async load() {
      const row = await read<StateRow>(stateKey);
      if (!row) return { state: { ...INITIAL_STATE }, etag: undefined };
      return { state: JSON.parse(row.state) as RotationState, etag: row.etag };
    },
    save: (state, etag) => write<StateRow>(stateKey, { stage: state.stage, state: JSON.stringify(state) }, etag),
    async acquireLease(holder, now, ttlMs) {
      const row = await read<LeaseRow>(leaseKey);
      if (row && row.holder !== holder && Date.parse(row.expiresAt) > now.getTime()) return false;
      try {
        await write<LeaseRow>(
          leaseKey,
          { holder, expiresAt: new Date(now.getTime() + ttlMs).toISOString() },
          row?.etag,
        );
        return true;
      } catch (e) {
        if (e instanceof ConflictError) return false;
        throw e;
      }
    },
    async releaseLease(holder, now) {
      const row = await read<LeaseRow>(leaseKey);
      if (!row || row.holder !== holder) return;
      try {
        await write<LeaseRow>(leaseKey, { holder: "", expiresAt: now.toISOString() }, row.etag);
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    },
  };
}

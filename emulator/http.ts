import type { Grant } from "./rbac.js";
import type { IncomingMessage } from "node:http";
import type { EmulatorState, Identity } from "./state.js";
import type { TokenStore } from "./tokens.js";

export type Service = "token" | "arm" | "graph" | "logs" | "vault" | "ingestion" | "teams";

export interface EmuRequest {
  method: string;
  /** pathname, percent-decoded */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  service: Service;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** objects are sent as JSON; strings/buffers as is */
  body?: unknown;
  /** drop the connection without an answer (an unreachable host) */
  destroy?: boolean;
}

export interface RouteContext {
  url: string;
  state: EmulatorState;
  identity: Identity;
  tokens: TokenStore;
  now(): number;
  /**
   * The monitor identity's role grants (emulator/rbac.ts). Undefined: no RBAC beyond
   * state.monitorDenied. Tests may remove entries to take a permission away.
   */
  monitorGrants?: Grant[];
  /** Items per page of ARM lists (default 2, so that every client pages for real). */
  armPageSize?: number;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): EmuResponse =>
  headers ? { status, body, headers } : { status, body };

export function parseJsonBody(req: EmuRequest): unknown {
  if (req.body.length === 0) return undefined;
  return JSON.parse(req.body.toString("utf8"));
}

export function isoNoMs(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Is `a` the same scope as `b` or an ancestor of it (ARM ids, case-insensitive)? */
export function scopeCovers(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/\/+$/, "");
  const y = b.toLowerCase().replace(/\/+$/, "");
  return x === y || y.startsWith(`${x}/`);
}

export function findResource(state: EmulatorState, id: string) {
  // the id as stored first (what clients send back), then any casing: ARM ids are case-insensitive
  const exact = state.resources[id.replace(/\/+$/, "")];
  if (exact) return exact;
  const want = id.toLowerCase().replace(/\/+$/, "");
  for (const [k, v] of Object.entries(state.resources)) if (k.toLowerCase() === want) return v;
  return undefined;
}

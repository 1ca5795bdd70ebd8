import { afterAll, beforeAll, beforeEach } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { ensureCertificate, startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";

/** Start the emulator with the certificate vitest.config.ts made every worker trust. */
export async function startTrusted(opts: EmulatorOptions = {}): Promise<Emulator> {
  const { key, cert } = await ensureCertificate(".cache/emulator-cert");
  return startEmulator({ ...opts, tls: { key, cert } });
}

export function monitorCredential(
  emu: Emulator,
  secret = emu.settings["AZURE_CLIENT_SECRET"]!,
): ClientSecretCredential {
  return new ClientSecretCredential(emu.settings["AZURE_TENANT_ID"]!, emu.settings["AZURE_CLIENT_ID"]!, secret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
    retryOptions: { maxRetries: 0 },
  });
}

export async function bearer(emu: Emulator, resource: string): Promise<string> {
  const t = await monitorCredential(emu).getToken(`${resource}/.default`);
  return t.token;
}

export async function getJson(
  emu: Emulator,
  path: string,
  token?: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  const r = await fetch(`${emu.url}${path}`, { ...init, headers });
  const text = await r.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, body };
}

export function decodeJwt(token: string): Record<string, any> {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
}

/**
 * One emulator for the test file, started before its tests and stopped after; each test starts
 * from the healthy scenario with no fault. Returns a getter (the emulator exists once started).
 */
export function useHealthyEmulator(opts: EmulatorOptions = {}): () => Emulator {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startTrusted(opts);
  });
  afterAll(async () => {
    await emu?.stop();
  });
  beforeEach(() => {
    emu!.applyScenario("healthy");
    emu!.faults.clear();
  });
  return () => emu!;
}

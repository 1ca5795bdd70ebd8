import { describe, expect, it } from "vitest";
import { ok, type Finding } from "../../src/core/finding.js";
import { createRotationService, dueNote, type RotationServiceDeps } from "../../src/rotation/service.js";
import type { RotationPorts } from "../../src/rotation/ports.js";
import type { RotationStore } from "../../src/rotation/stateStore.js";
import { INITIAL_STATE } from "../../src/rotation/model.js";

const NOW = new Date("2026-12-02T12:00:00Z");
const vaultOk = (expiresOn: string | null): Finding =>
  ok("secret.vault", "Key Vault holds the current secret.", { evidence: { version: "v1", expiresOn } });

describe("dueNote", () => {
  it.each([
    ["2026-12-22T12:00:00Z", /^Rotation is due: the secret Keeper uses expires 2026-12-22 \(in 20 days\), within/],
    ["2027-01-31T12:00:00Z", /^The next rotation is due 2027-01-01: .*expires 2027-01-31 \(in 60 days\)/],
  ])("expiry %s", (expiresOn, note) => {
    expect(dueNote([vaultOk(expiresOn)], NOW, 30)).toMatch(note);
  });

  it("says nothing when secret.vault is not ok or has no expiry", () => {
    expect(dueNote([], NOW, 30)).toBeUndefined();
    expect(dueNote([vaultOk(null)], NOW, 30)).toBeUndefined();
    expect(dueNote([{ ...vaultOk("2026-12-22T12:00:00Z"), status: "problem" }], NOW, 30)).toBeUndefined();
  });
});

function service(over: Partial<RotationServiceDeps>) {
  const ports = { signIns: () => Promise.resolve([]) } as unknown as RotationPorts;
  return createRotationService({
    ports: () => ports,
    store: undefined,
    vaultConfigured: true,
    notifier: { notify: () => Promise.resolve() },
    settings: { rotateBeforeDays: 30, lifetimeDays: 180, retireUnmanaged: false, cutoverQuietHours: 24 },
    target: {
      tenantId: "t",
      appId: "a",
      vaultUri: "https://v.vault.azure.net/",
      secretName: "s",
      endpointUrl: "e",
      portalUrl: "p",
    },
    clock: () => NOW,
    newId: () => "r1",
    leaseMs: 60_000,
    ...over,
  });
}

describe("rotation.state", () => {
  it("without state storage: not configured, as info, with how to turn it on", async () => {
    const [state] = await service({}).provider(Promise.resolve([]));
    expect(state).toMatchObject({ check: "rotation.state", status: "ok", severity: "info" });
    expect(state!.summary).toMatch(/^Rotation is not configured \(optional, info\): AzureWebJobsStorage is not set/);
    expect(state!.summary).toMatch(/To turn it on: set AzureWebJobsStorage .* and KEY_VAULT_URI/);
  });

  it("idle: adds when the next rotation is due, from this run's secret.vault", async () => {
    const store = {
      load: () => Promise.resolve({ state: INITIAL_STATE, etag: undefined }),
    } as unknown as RotationStore;
    const [state] = await service({ store }).provider(Promise.resolve([vaultOk("2026-12-22T12:00:00Z")]));
    expect(state).toMatchObject({ status: "ok", evidence: { stage: "idle", due: true } });
    expect(state!.summary).toMatch(/^No rotation in progress\. Rotation is due: /);
  });
});

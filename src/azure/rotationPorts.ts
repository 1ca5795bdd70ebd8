import type { Config } from "../config/loadConfig.js";
import type { CallContext } from "../core/callContext.js";
import type { CustomerIdLookup } from "./customerId.js";
import type { GraphWriter } from "./graphWrite.js";
import type { VaultWriter } from "./keyVaultWrite.js";
import { probeSecret } from "./secretProbe.js";
import type { SignInReader } from "./signIns.js";
import { StepFailure, type RotationPorts } from "../rotation/ports.js";

/** The rotation's Azure clients, built once per process. */
export interface RotationClients {
  graph: GraphWriter;
  vault: VaultWriter | undefined;
  signIns: SignInReader;
}

const NO_VAULT = new StepFailure(
  "problem",
  "rotation needs a Key Vault: KEY_VAULT_URI is not set",
  "Set KEY_VAULT_URI (and KEY_VAULT_SECRET_NAME) to the monitor's own vault.",
);

/** Binds the clients to the settings and one run's time limits. */
export function rotationPorts(
  c: RotationClients,
  config: Config,
  ctx: CallContext,
  deps: {
    clock: () => Date;
    sleep: (ms: number) => Promise<void>;
    /** The workspace's customer id, looked up once per process (customerIdOnce). */
    customerId: CustomerIdLookup;
  },
): RotationPorts {
  const k = config.keeper;
  const vault = () => {
    if (!c.vault) throw NO_VAULT;
    return c.vault;
  };
  const customerId = async (): Promise<string> => {
    const id = await deps.customerId(ctx);
    if (id.kind !== "found")
      throw new StepFailure(
        "unknown",
        id.kind === "unknown" ? id.reason : "the Sentinel workspace does not exist",
        id.kind === "unknown" ? id.remediation : undefined,
      );
    return id.value;
  };
  return {
    readApp: () => c.graph.readApp(k.appId, ctx),
    readPolicy: (app) => c.graph.readPolicy(app, ctx),
    addPassword: (objectId, displayName, end) => c.graph.addPassword(objectId, displayName, end, ctx),
    removePassword: (objectId, keyId) => c.graph.removePassword(objectId, keyId, ctx),
    listVault: () => vault().list(ctx),
    writeVault: (value, meta) => vault().write(value, meta, ctx),
    readVault: (version) => vault().read(version, ctx),
    disableVault: (version) => vault().disable(version, ctx),
    probe: (secret, createdAt) =>
      probeSecret(secret, createdAt, {
        cloud: config.cloud,
        tenantId: k.tenantId,
        appId: k.appId,
        clock: deps.clock,
        sleep: deps.sleep,
        budget: ctx.budget,
        callTimeoutMs: ctx.callTimeoutMs,
      }),
    signIns: async () => c.signIns.byCredential(await customerId(), k.appId, ctx),
  };
}

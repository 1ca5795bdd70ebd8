import { ok, problem, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";
import type { PasswordCredential } from "../connector/types.js";
import type { Cause } from "../core/cause.js";

const DAY_MS = 86_400_000;

/** The vault's name, the first label of its host (https://<name>.vault.azure.net/). */
export function vaultName(uri: string): string {
  return new URL(uri).hostname.split(".")[0] ?? uri;
}

export function daysLeft(end: Date, now: Date): number {
  return Math.floor((end.getTime() - now.getTime()) / DAY_MS);
}

function describe(c: PasswordCredential): Record<string, unknown> {
  return { keyId: c.keyId, displayName: c.displayName, endDateTime: c.endDateTime?.toISOString() ?? null };
}

export function isValidAt(c: PasswordCredential, now: Date): boolean {
  return (
    (c.endDateTime === undefined || c.endDateTime > now) && (c.startDateTime === undefined || c.startDateTime <= now)
  );
}

/** The cause for "no secret is valid now", with the latest end date among the expired ones. */
function noValidSecret(creds: readonly PasswordCredential[], now: Date): Cause {
  const ends = creds.flatMap((c) =>
    c.endDateTime !== undefined && c.endDateTime <= now ? [c.endDateTime.getTime()] : [],
  );
  return ends.length
    ? { kind: "no-valid-secret", credentials: creds.length, lastExpiredOn: new Date(Math.max(...ends)).toISOString() }
    : { kind: "no-valid-secret", credentials: creds.length };
}

export function analyzeSecretExpiry(e: Expected, o: Observed): Finding[] {
  const check = "secret.expiry";
  const resource = e.appId;
  if (o.app.kind === "unknown") return [unknownFrom(check, o.app, resource)];
  if (o.app.kind === "missing")
    return [
      problem(check, "critical", "The Keeper app does not exist, so it has no valid secret.", {
        resource,
        remediation: "Fix app.exists first.",
        cause: { kind: "no-valid-secret", credentials: 0 },
      }),
    ];
  const creds = o.app.value.passwordCredentials;
  const newCredential = `az ad app credential reset --id ${e.appId} --append --display-name keeper-monitor-manual --years 1, then paste the new secret into the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs → Client Secret)`;
  const evidence = { credentials: creds.map(describe) };
  const valid = creds.filter((c) => isValidAt(c, o.now));
  if (creds.length === 0)
    return [
      problem(check, "critical", "The Keeper app has no client secret: Keeper cannot sign in.", {
        resource,
        evidence,
        remediation: newCredential + ".",
        cause: { kind: "no-valid-secret", credentials: 0 },
      }),
    ];
  if (valid.length === 0)
    return [
      problem(
        check,
        "critical",
        `Every client secret of the Keeper app has expired (${creds.length}): Keeper cannot sign in.`,
        { resource, evidence, remediation: newCredential + ".", cause: noValidSecret(creds, o.now) },
      ),
    ];
  const newest = [...valid].sort(
    (a, b) => (b.endDateTime?.getTime() ?? Infinity) - (a.endDateTime?.getTime() ?? Infinity),
  )[0]!;
  if (newest.endDateTime === undefined)
    return [ok(check, "The Keeper app's newest client secret does not expire.", { resource, evidence })];
  const days = daysLeft(newest.endDateTime, o.now);
  const when = `${days} day${days === 1 ? "" : "s"} (${newest.endDateTime.toISOString().slice(0, 10)})`;
  if (days <= e.secretCriticalDays)
    return [
      problem(check, "critical", `The Keeper app's newest client secret expires in ${when}.`, {
        resource,
        evidence,
        remediation: newCredential + " before it expires.",
      }),
    ];
  if (days <= e.secretWarnDays)
    return [
      problem(check, "warning", `The Keeper app's newest client secret expires in ${when}.`, {
        resource,
        evidence,
        remediation: newCredential + " before it expires.",
      }),
    ];
  return [ok(check, `The Keeper app's newest client secret expires in ${when}.`, { resource, evidence })];
}

export function analyzeSecretVault(e: Expected, o: Observed): Finding[] {
  const check = "secret.vault";
  if (e.keyVault === undefined || o.vaultSecret === undefined)
    return [
      ok(
        check,
        "Key Vault not configured (KEY_VAULT_URI unset, optional): nothing to compare. With it, the monitor checks the vault holds the secret Keeper uses and rotates that secret before it expires. To enable it: set KEY_VAULT_URI (and KEY_VAULT_SECRET_NAME) to the monitor's own vault, where its identity holds Key Vault Secrets Officer.",
      ),
    ];
  const resource = `${e.keyVault.uri}secrets/${e.keyVault.secretName}`;
  const v = o.vaultSecret;
  const fix = `Store the secret Keeper uses: az keyvault secret set --vault-name <vault> --name ${e.keyVault.secretName} --file <file with the secret> --tags appId=${e.appId} keyId=<keyId of that credential>.`;
  if (v.kind === "unknown") return [unknownFrom(check, v, resource)];
  if (v.kind === "missing")
    return [
      problem(
        check,
        "warning",
        `Key Vault has no secret ${e.keyVault.secretName}: the Keeper secret is not kept where rotation expects it.`,
        { resource, remediation: fix },
      ),
    ];
  const version = v.value;
  const keyId = version.tags["keyId"]?.toLowerCase();
  const evidence: Record<string, unknown> = {
    version: version.version,
    enabled: version.enabled,
    expiresOn: version.expiresOn?.toISOString() ?? null,
    tags: { appId: version.tags["appId"], keyId: version.tags["keyId"], rotationId: version.tags["rotationId"] },
  };
  if (!version.enabled)
    return [
      problem(check, "warning", "The current Key Vault version of the Keeper secret is disabled.", {
        resource,
        evidence,
        remediation: `Enable it again if it holds the secret Keeper uses: az keyvault secret set-attributes --vault-name ${vaultName(e.keyVault.uri)} --name ${e.keyVault.secretName} --enabled true (otherwise: ${fix})`,
      }),
    ];
  if (version.expiresOn !== undefined && version.expiresOn <= o.now)
    return [
      problem(check, "warning", "The current Key Vault version of the Keeper secret has expired.", {
        resource,
        evidence,
        remediation: fix,
      }),
    ];
  if (keyId === undefined)
    return [
      problem(
        check,
        "warning",
        "The current Key Vault version has no keyId tag: nobody can tell which credential it holds.",
        {
          resource,
          evidence,
          remediation: `Tag it: az keyvault secret set-attributes --vault-name <vault> --name ${e.keyVault.secretName} --tags appId=${e.appId} keyId=<keyId>.`,
        },
      ),
    ];
  if (o.app.kind !== "found")
    return [unknownFrom(check, { reason: "the Keeper app could not be read to match the vault's keyId" }, resource)];
  const cred = o.app.value.passwordCredentials.find((c) => c.keyId.toLowerCase() === keyId);
  if (!cred)
    return [
      problem(
        check,
        "warning",
        `Key Vault holds a secret for credential ${keyId}, which is no longer on the Keeper app.`,
        {
          resource,
          evidence: { ...evidence, expected: "a keyId live on the app", actual: keyId, changed: ["keyId"] },
          remediation: fix,
        },
      ),
    ];
  if (!isValidAt(cred, o.now))
    return [
      problem(check, "warning", `Key Vault holds the secret of credential ${keyId}, which has expired on the app.`, {
        resource,
        evidence,
        remediation: fix,
      }),
    ];
  return [ok(check, `Key Vault holds the current secret (credential ${keyId}).`, { resource, evidence })];
}

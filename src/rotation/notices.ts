import type { Notice } from "../core/notifier.js";
import type { RotationState } from "./model.js";
import { vaultName } from "../checks/secret.js";

/** Where the new secret can be read and where Keeper must be pointed; never the secret itself. */
export interface HandoffTarget {
  tenantId: string;
  appId: string;
  vaultUri: string;
  secretName: string;
  /** `${KEEPER_DCE_URI}/dataCollectionRules/${immutableId}/streams/${stream}?api-version=2023-01-01` */
  endpointUrl: string;
  portalUrl: string;
  /** The status page (STATUS_PAGE_URL); its #rotation section shows how to confirm the cut-over. */
  statusPageUrl?: string;
}

export const CONFIRM_TITLE = "Confirm cut-over";

function facts(s: RotationState, t: HandoffTarget, deadline: string): Notice["facts"] {
  return [
    { name: "Key vault", value: t.vaultUri },
    { name: "Secret name", value: t.secretName },
    { name: "Secret version", value: s.newVersion ?? "?" },
    { name: "New secret keyId", value: s.newKeyId ?? "?" },
    { name: "New secret expires", value: s.newEnd ?? "?" },
    { name: "Tenant ID", value: t.tenantId },
    { name: "Application (client) ID", value: t.appId },
    { name: "Endpoint URL", value: t.endpointUrl },
    { name: "Deadline (old secret expires)", value: deadline },
    { name: "Rotation", value: s.rotationId ?? "?" },
  ];
}

function steps(s: RotationState, t: HandoffTarget): string {
  return [
    `1. Read the new secret from Key Vault (you need Key Vault Secrets User on it): az keyvault secret show --vault-name ${vaultName(t.vaultUri)} --name ${t.secretName} --version ${s.newVersion ?? "?"} --query value -o tsv (portal: Key vaults → ${vaultName(t.vaultUri)} → Secrets → ${t.secretName} → version ${s.newVersion ?? "?"} → Show Secret Value).`,
    `2. In the Keeper Admin Console open Reporting & Alerts → Azure Monitor Logs and paste it into Client Secret. Tenant ID ${t.tenantId}, Client ID ${t.appId} and Endpoint URL ${t.endpointUrl} stay as they are.`,
    `3. Save. The monitor sees Keeper sign in with the new secret and then retires the old one; or confirm at once: POST /api/rotation/confirm {"rotationId":"${s.rotationId ?? ""}","keyId":"${s.newKeyId ?? ""}","confirmedBy":"<you>"}.`,
  ].join("\n");
}

/** Where to read the secret, then where to confirm Keeper has it (the status page's #rotation). */
function link(s: RotationState, t: HandoffTarget): Notice["links"] {
  const id = `${t.vaultUri.replace(/\/+$/, "")}/secrets/${t.secretName}/${s.newVersion ?? ""}`;
  return [
    {
      title: "The secret version in the Azure portal",
      url: `${t.portalUrl}/#asset/Microsoft_Azure_KeyVault/Secret/${id}`,
    },
    ...(t.statusPageUrl ? [{ title: CONFIRM_TITLE, url: `${t.statusPageUrl}#rotation` }] : []),
  ];
}

/** The hand-off: what to paste where, where to read it, and by when. Deduped per new credential. */
export function handoffNotice(s: RotationState, t: HandoffTarget, at: Date): Notice {
  const deadline = s.oldEnd ?? "now (Keeper has no valid secret)";
  return {
    key: `rotation|${s.rotationId ?? ""}|handoff|${s.newKeyId ?? ""}`,
    kind: "handoff",
    severity: "warning",
    title: "Keeper client secret rotated: paste the new secret into Keeper",
    summary: `A new client secret for the Keeper app is in Key Vault (${t.secretName}, version ${s.newVersion ?? "?"}). A Keeper administrator must paste it into the Keeper Admin Console before ${deadline}, when the old secret expires.`,
    facts: facts(s, t, deadline),
    remediation: steps(s, t),
    links: link(s, t),
    at: at.toISOString(),
  };
}

export function reminderNotice(s: RotationState, t: HandoffTarget, days: number, at: Date): Notice {
  const deadline = s.oldEnd ?? "now";
  return {
    key: `rotation|${s.rotationId ?? ""}|reminder|${days}`,
    kind: "reminder",
    severity: days <= 2 ? "critical" : "warning",
    title: `Keeper still uses the old client secret: ${days} days left`,
    summary: `Keeper has not been seen signing in with the new secret (${s.newKeyId ?? "?"}). The old secret expires ${deadline}; after that Keeper's events stop.`,
    facts: facts(s, t, deadline),
    remediation: steps(s, t),
    links: link(s, t),
    at: at.toISOString(),
  };
}

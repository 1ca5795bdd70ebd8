import { describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { federatedSignInError, graphCredentialFor, TenantCredentialError } from "../../src/app/graphTenant.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { VALID_ENV } from "../config/env.js";

const HOME = "11111111-1111-4111-8111-111111111111";
const CUSTOMER = "22222222-2222-4222-8222-222222222222";
const PRINCIPAL = "33333333-3333-4333-8333-333333333333";
const GRAPH_APP = "44444444-4444-4444-8444-444444444444";

/** A JWT-shaped token with the given claims (unsigned: only its claims are read). */
const jwt = (claims: Record<string, string>) =>
  `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

/** The monitor's own credential: tokens of its home tenant; records what it was asked. */
function own(tid = HOME) {
  const asked: string[] = [];
  const credential: TokenCredential = {
    getToken: (scopes) => {
      asked.push(String(scopes));
      const t: AccessToken = { token: jwt({ tid, oid: PRINCIPAL }), expiresOnTimestamp: Date.now() + 3_600_000 };
      return Promise.resolve(t);
    },
  };
  return { credential, asked };
}

const config = (env: Record<string, string | undefined>) => {
  const e = { ...VALID_ENV, ...env } as Record<string, string | undefined>;
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  return loadConfig(e);
};

describe("graphCredentialFor: Graph in the Keeper connector's tenant", () => {
  it("is the monitor's own credential when AZURE_TENANT_ID is the connector's tenant", () => {
    const o = own();
    const c = config({ KEEPER_TENANT_ID: HOME, AZURE_TENANT_ID: HOME, AZURE_CLIENT_ID: PRINCIPAL });
    expect(graphCredentialFor(c, o.credential, o.credential)).toBe(o.credential);
  });

  it("hands out the monitor's own token when its tenant (from the token) is the connector's", async () => {
    const o = own(HOME);
    const g = graphCredentialFor(config({ KEEPER_TENANT_ID: HOME }), o.credential, o.credential);
    const t = await g.getToken("https://graph.microsoft.com/.default");
    expect(JSON.parse(Buffer.from(t!.token.split(".")[1]!, "base64url").toString()).tid).toBe(HOME);
    expect(o.asked).toEqual(["https://graph.microsoft.com/.default"]);
  });

  it("another tenant without KEEPER_GRAPH_APP_ID: an error naming the setting, the tenants and the identity", async () => {
    const o = own(HOME);
    const g = graphCredentialFor(config({ KEEPER_TENANT_ID: CUSTOMER }), o.credential, o.credential);
    const e = await g.getToken("https://graph.microsoft.com/.default").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TenantCredentialError);
    const err = e as TenantCredentialError;
    expect(err.name).toBe("CredentialUnavailableError");
    expect(err.message).toContain(`tenant ${CUSTOMER}, not the monitor's own tenant ${HOME}`);
    expect(err.message).toContain("KEEPER_GRAPH_APP_ID is not set");
    expect(err.remediation).toContain(`principal id ${PRINCIPAL}`);
  });

  it.each([
    ["70021", "no federated identity credential matching", `issuer https://login.example/${HOME}/v2.0`],
    [
      "700016",
      "no service principal (admin consent)",
      `https://login.example/${CUSTOMER}/adminconsent?client_id=${GRAPH_APP}`,
    ],
    ["7000229", "no service principal (admin consent)", "adminconsent"],
    ["700236", "not registered in the managed identity's tenant", `Register KEEPER_GRAPH_APP_ID in tenant ${HOME}`],
    ["7000215", "AADSTS7000215", "its federated identity credential"],
  ])("AADSTS%s: says what is wrong and how to fix it", (code, summary, fix) => {
    const e = federatedSignInError(
      new Error(`AADSTS${code}: refused. Trace ID: x eyJabcdefghijklmnop.eyJabcdefghijklmnop.sig`),
      {
        home: HOME,
        target: CUSTOMER,
        graphAppId: GRAPH_APP,
        who: `principal id ${PRINCIPAL}`,
        authority: "https://login.example/",
      },
    ) as TenantCredentialError;
    expect(e.message).toContain(summary);
    expect(e.remediation).toContain(fix);
    expect(`${e.message} ${e.remediation}`).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});

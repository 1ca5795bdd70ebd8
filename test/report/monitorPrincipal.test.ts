import { describe, expect, it } from "vitest";
import { principalIdOf, rememberingPrincipal } from "../../src/report/monitorPrincipal.js";

const OID = "1b2c3d4e-0000-4000-8000-00000000abcd";
const jwt = (claims: unknown) =>
  ["eyJhbGciOiJub25lIn0", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");

describe("the monitor's principal id", () => {
  it("is the oid claim of its token, a GUID, nothing else", () => {
    expect(principalIdOf(jwt({ oid: OID.toUpperCase() }))).toBe(OID);
    expect(principalIdOf(jwt({ oid: "<script>" }))).toBeUndefined();
    expect(principalIdOf(jwt({ sub: OID }))).toBeUndefined();
    expect(principalIdOf("not-a-token")).toBeUndefined();
    expect(principalIdOf("a.!!!.c")).toBeUndefined();
  });

  it("is remembered from the tokens handed out, and the token is passed through unchanged", async () => {
    const token = { token: jwt({ oid: OID }), expiresOnTimestamp: 1 };
    const id = rememberingPrincipal({ getToken: () => Promise.resolve(token) });
    expect(id.principalId()).toBeUndefined();
    expect(await id.credential.getToken("scope")).toBe(token);
    expect(id.principalId()).toBe(OID);
  });
});

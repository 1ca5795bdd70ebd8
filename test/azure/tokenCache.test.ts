import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { sharedTokenCredential } from "../../src/azure/tokenCache.js";

const MIN = 60_000;
const SCOPE = "https://management.azure.com/.default";

/** A credential at the port boundary: each call is one "request", answered when the test says. */
function fakeCredential(now: () => number) {
  const asked: Array<{ scopes: string | string[]; options: GetTokenOptions | undefined }> = [];
  const waiting: Array<{ resolve: (t: AccessToken) => void; reject: (e: unknown) => void }> = [];
  let n = 0;
  const credential: TokenCredential = {
    getToken: (scopes, options) => {
      asked.push({ scopes, options });
      return new Promise<AccessToken>((resolve, reject) => {
        const w = { resolve, reject };
        waiting.push(w);
        // as the SDK's HTTP client does: an aborted request ends
        options?.abortSignal?.addEventListener("abort", () => {
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error("aborted"));
        });
      });
    },
  };
  const answer = (extra: Partial<AccessToken> = {}) =>
    waiting.shift()!.resolve({ token: `t${++n}`, expiresOnTimestamp: now() + 60 * MIN, ...extra });
  const fail = (e: unknown = new Error("AADSTS7000215: Invalid client secret provided.")) => waiting.shift()!.reject(e);
  return { credential, asked, answer, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("sharedTokenCredential", () => {
  it("concurrent calls for the same scopes (any order) share one request; another tenant or CAE flag does not", async () => {
    const clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const a = c.getToken(["b/.default", "a/.default"]);
    const b = c.getToken(["a/.default", "b/.default"]);
    const other = c.getToken(["a/.default", "b/.default"], { tenantId: "t2" });
    const cae = c.getToken(["a/.default", "b/.default"], { enableCae: true });
    expect(f.asked).toHaveLength(3);
    f.answer();
    f.answer();
    f.answer();
    expect((await a)?.token).toBe("t1");
    expect(await b).toBe(await a);
    expect((await other)?.token).toBe("t2");
    expect((await cae)?.token).toBe("t3");
  });

  it("reuses a token until 5 min before expiry, then refreshes (clock injected)", async () => {
    let clock = 1_000_000;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const p = c.getToken(SCOPE);
    f.answer();
    expect((await p)?.token).toBe("t1");
    clock += 54 * MIN;
    expect((await c.getToken(SCOPE))?.token).toBe("t1");
    expect(f.asked).toHaveLength(1);
    clock += 2 * MIN; // 4 min left
    const q = c.getToken(SCOPE);
    await tick();
    expect(f.asked).toHaveLength(2);
    f.answer();
    expect((await q)?.token).toBe("t2");
  });

  it("refreshes at refreshAfterTimestamp when the token carries one", async () => {
    let clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const p = c.getToken(SCOPE);
    f.answer({ refreshAfterTimestamp: 30 * MIN });
    await p;
    clock = 29 * MIN;
    await c.getToken(SCOPE);
    expect(f.asked).toHaveLength(1);
    clock = 30 * MIN;
    const q = c.getToken(SCOPE);
    await tick();
    expect(f.asked).toHaveLength(2);
    f.answer();
    expect((await q)?.token).toBe("t2");
  });

  it("a failure reaches every waiting caller and is not kept: the next call asks again", async () => {
    const clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const a = c.getToken(SCOPE);
    const b = c.getToken(SCOPE);
    f.fail();
    await expect(a).rejects.toThrow(/AADSTS7000215/);
    await expect(b).rejects.toThrow(/AADSTS7000215/);
    const again = c.getToken(SCOPE);
    await tick();
    expect(f.asked).toHaveLength(2);
    f.answer();
    expect((await again)?.token).toBe("t1");
  });

  it("a refresh that fails while the old token is still valid hands out the old token, and the next call retries", async () => {
    let clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const p = c.getToken(SCOPE);
    f.answer();
    await p;
    clock = 57 * MIN;
    const q = c.getToken(SCOPE);
    await tick();
    f.fail();
    expect((await q)?.token).toBe("t1");
    const r = c.getToken(SCOPE);
    await tick();
    expect(f.asked).toHaveLength(3);
    f.answer();
    expect((await r)?.token).toBe("t2");
  });

  it("an expired token is never handed out: a failed refresh then fails", async () => {
    let clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const p = c.getToken(SCOPE);
    f.answer();
    await p;
    clock = 61 * MIN;
    const q = c.getToken(SCOPE);
    await tick();
    f.fail();
    await expect(q).rejects.toThrow(/AADSTS/);
  });

  it("one caller giving up does not end the request the others wait for", async () => {
    const clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const ac = new AbortController();
    const a = c.getToken(SCOPE, { abortSignal: ac.signal });
    const b = c.getToken(SCOPE);
    ac.abort(new Error("run budget spent"));
    await expect(a).rejects.toThrow(/run budget spent/);
    f.answer();
    expect((await b)?.token).toBe("t1");
    expect(f.asked).toHaveLength(1);
  });

  it("a request that never settles is dropped after the timeout, so the next call asks again", async () => {
    const clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock, requestTimeoutMs: 20 });
    await expect(c.getToken(SCOPE)).rejects.toThrow(/timed out after 20 ms/);
    expect(f.asked[0]?.options?.abortSignal?.aborted).toBe(true);
    const again = c.getToken(SCOPE);
    await tick();
    expect(f.asked).toHaveLength(2);
    f.answer();
    expect((await again)?.token).toBe("t1");
  });

  it("a CAE claims challenge always asks the credential, and its token replaces the cached one", async () => {
    const clock = 0;
    const f = fakeCredential(() => clock);
    const c = sharedTokenCredential(f.credential, { now: () => clock });
    const p = c.getToken(SCOPE, { enableCae: true });
    f.answer();
    await p;
    const q = c.getToken(SCOPE, { enableCae: true, claims: '{"access_token":{"nbf":{"essential":true}}}' });
    await tick();
    expect(f.asked).toHaveLength(2);
    expect(f.asked[1]?.options?.claims).toBeTruthy();
    f.answer();
    expect((await q)?.token).toBe("t2");
    expect((await c.getToken(SCOPE, { enableCae: true }))?.token).toBe("t2");
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import func from "@azure/functions";
import { ids, type Emulator } from "../../emulator/index.js";
import { rotationConfirmHandler, rotationStateHandler } from "../../src/functions/rotationApi.js";
import type { Notice } from "../../src/core/notifier.js";
import type { RotationState } from "../../src/rotation/model.js";
import type { LoadedState } from "../../src/rotation/stateStore.js";
import { leaks, startTrustedEmulator } from "./harness.js";
import {
  addPasswordCalls,
  capture,
  DAY,
  dumpTable,
  invariants,
  keeperApp,
  keeperUses,
  lostValues,
  rotationMonitor,
  setDaysLeft,
  watchedRotation,
  type PortCall,
  type PortWatch,
  simClock,
  vaultVersions,
} from "./rotationHarness.js";

const clock = simClock();
let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator({ now: clock.now });
});
afterAll(async () => {
  await emu?.stop();
});
let tableN = 0;
const freshTable = () => `rote2e${Date.now().toString(36)}${tableN++}`;
beforeEach(() => {
  clock.ms = Date.parse("2026-03-02T09:00:00Z");
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
});

function ctx() {
  const lines: string[] = [];
  const c = new func.InvocationContext({
    invocationId: "t",
    functionName: "t",
    logHandler: (_l, ...a) => lines.push(a.join(" ")),
  });
  return { c, lines };
}

describe("secret rotation end to end (emulator + Azurite, simulated clock)", () => {
  it("a run with nothing due takes no lease and writes nothing; a failed read goes the full, recorded way", async () => {
    const cap = capture();
    const table = freshTable();
    const m = rotationMonitor(emu, clock, cap, table);
    setDaysLeft(emu, clock, 100);
    const rows = () => dumpTable(table).catch(() => "[]");
    const quiet = await m.rotation.run(cap.log);
    expect(quiet.last?.kind).toBe("idle");
    expect(await rows()).toBe("[]");
    // (Key Vault's first request is its unauthenticated challenge, a 401)
    const azure = () => emu.calls.filter((c) => c.service !== "token" && c.status !== 401).map((c) => c.service);
    expect(azure().sort()).toEqual(["graph", "vault"]);

    emu.faults.add({ service: "graph", status: 503, times: 10 });
    const failed = await m.rotation.run(cap.log);
    expect(failed.state?.lastError?.reason).toMatch(/503|unavailable/i);
    expect(await rows()).toContain("lastError");
    emu.faults.clear();
    const cleared = await m.rotation.run(cap.log); // the full run clears the recorded error
    expect(cleared.state?.lastError).toBeUndefined();
    emu.resetCalls();
    const before = await rows();
    expect((await m.rotation.run(cap.log)).last?.kind).toBe("idle");
    expect(await rows()).toBe(before);
    expect(azure().sort()).toEqual(["graph", "vault"]);
  });

  it("optional sources absent (no vault, no sign-in table): rotation is off and the report says so as ok, with how to enable each", async () => {
    const cap = capture();
    const table = freshTable();
    emu.applyScenario("no-signin-logs");
    const m = rotationMonitor(emu, clock, cap, table, { KEY_VAULT_URI: "" });
    setDaysLeft(emu, clock, 20);
    expect((await m.rotation.run(cap.log)).ran).toBe(false);
    expect(await dumpTable(table).catch(() => "[]")).toBe("[]");
    const report = await m.runAll();
    const of = (check: string) => report.findings.find((f) => f.check === check)!;
    expect(of("rotation.state")).toMatchObject({ status: "ok", severity: "info" });
    expect(of("rotation.state").summary).toMatch(
      /Rotation is not configured \(optional, info\): KEY_VAULT_URI is not set.*To turn it on: set KEY_VAULT_URI/,
    );
    expect(of("rotation.cutover")).toMatchObject({ status: "ok", severity: "info" });
    expect(of("rotation.cutover").summary).toMatch(
      /AADServicePrincipalSignInLogs is not in the workspace.*It would show.*To enable it: .*Diagnostic settings/,
    );
    expect(of("secret.vault").status).toBe("ok");
    expect(report.findings.filter((f) => f.status === "unknown")).toEqual([]);
  });

  it("rotates from 31 days left to the old secret retired, with the hand-off and the cut-over seen in sign-ins", async () => {
    const cap = capture();
    const table = freshTable();
    const m = rotationMonitor(emu, clock, cap, table);
    const outputs: string[] = [];
    emu.state.secretPropagationMs = 90_000; // the new secret is refused for 90 s: the probe backs off
    setDaysLeft(emu, clock, 31);

    const r0 = await m.rotation.run(cap.log);
    expect(r0.last?.kind).toBe("idle");
    expect(addPasswordCalls(emu)).toBe(0);

    clock.advance(1.5 * DAY); // 29.5 days left: due
    await emu.keeperPush(); // Keeper still pushes with the old secret
    const r1 = await m.rotation.run(cap.log);
    expect(r1.state?.stage).toBe("cutover");
    expect(addPasswordCalls(emu)).toBe(1);
    const s1 = r1.state!;
    const newCred = keeperApp(emu).passwordCredentials.find((c) => c.keyId === s1.newKeyId)!;
    expect(newCred.displayName).toBe(`keeper-monitor:${s1.rotationId}`);
    expect(Date.parse(newCred.endDateTime) - clock.ms).toBeGreaterThan(179 * DAY);
    const v = vaultVersions(emu).at(-1)!;
    expect(v.version).toBe(s1.newVersion);
    expect(v.value).toBe(newCred.secretText);
    expect(v.tags).toMatchObject({ appId: ids.KEEPER_APP_ID, keyId: s1.newKeyId, rotationId: s1.rotationId });
    expect(v.tags["createdUtc"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(v.exp).toBe(Math.floor(Date.parse(newCred.endDateTime) / 1000));
    expect(v.contentType).toBeTruthy();
    // the hand-off says what to paste where, where to read it, the endpoint and the deadline
    expect(cap.notices.map((n) => n.kind)).toEqual(["handoff"]);
    const h = cap.notices[0]!;
    const facts = Object.fromEntries(h.facts.map((f) => [f.name, f.value]));
    expect(facts["Secret version"]).toBe(s1.newVersion);
    expect(facts["Secret name"]).toBe(ids.KEY_VAULT_SECRET_NAME);
    expect(facts["Endpoint URL"]).toBe(
      `${emu.url}/dataCollectionRules/${ids.DCR_IMMUTABLE_ID}/streams/Custom-KeeperSecurityEventNewLogs?api-version=2023-01-01`,
    );
    expect(facts["Deadline (old secret expires)"]).toBe(s1.oldEnd);
    expect(h.remediation).toContain("Reporting & Alerts → Azure Monitor Logs");
    expect(h.remediation).toContain("Client Secret");

    // Keeper keeps using the old secret: nothing is retired
    clock.advance(3_600_000);
    await emu.keeperPush();
    const r2 = await m.rotation.run(cap.log);
    expect(r2.state?.stage).toBe("cutover");
    expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(true);

    // 14 days before the old expiry: one reminder
    clock.advance(16 * DAY);
    await m.rotation.run(cap.log);
    await m.rotation.run(cap.log);
    expect(cap.notices.map((n) => n.kind)).toEqual(["handoff", "reminder"]);

    // the report and the GET endpoint show the stage and what is awaited
    const report = await m.runAll();
    const st = report.findings.find((f) => f.check === "rotation.state")!;
    expect(st.summary).toContain("waiting for Keeper");
    expect(st.evidence?.["from"]).toContain("Keeper administrators");
    const cut = report.findings.find((f) => f.check === "rotation.cutover")!;
    expect(cut.summary).toContain(ids.KEEPER_SECRET_KEY_ID);
    outputs.push(JSON.stringify(report));
    const get = await rotationStateHandler({ getMonitor: () => m })(
      new func.HttpRequest({ method: "GET", url: "https://x/api/rotation" }),
      ctx().c,
    );
    expect(get.status).toBe(200);
    outputs.push(JSON.stringify(get.jsonBody));

    // the administrator pastes the new secret; Keeper signs in with it; the old one goes quiet
    keeperUses(emu, s1.newKeyId!);
    clock.advance(3_600_000);
    expect((await emu.keeperPush()).status).toBe(204);
    clock.advance(25 * 3_600_000);
    await emu.keeperPush();
    const report2 = await m.runAll();
    expect(report2.findings.find((f) => f.check === "rotation.cutover")!.summary).toContain(
      `${s1.newKeyId} (the new secret)`,
    );
    outputs.push(JSON.stringify(report2));
    const r3 = await m.rotation.run(cap.log);
    expect(r3.state?.stage).toBe("idle");
    expect(r3.state?.lastRotation).toMatchObject({ rotationId: s1.rotationId, keyId: s1.newKeyId });
    // the old secret was not created by the monitor: left to expire, its vault version disabled
    expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(true);
    expect(vaultVersions(emu).find((x) => x.tags["keyId"] === ids.KEEPER_SECRET_KEY_ID)!.enabled).toBe(false);

    // the second rotation retires the monitor-created secret for real
    clock.advance(Date.parse(newCred.endDateTime) - clock.ms - 29 * DAY);
    const r4 = await m.rotation.run(cap.log);
    expect(r4.state?.stage).toBe("cutover");
    expect(addPasswordCalls(emu)).toBe(2);
    keeperUses(emu, r4.state!.newKeyId!);
    clock.advance(3_600_000);
    await emu.keeperPush();
    clock.advance(25 * 3_600_000);
    await emu.keeperPush();
    const r5 = await m.rotation.run(cap.log);
    expect(r5.state?.stage).toBe("idle");
    expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === s1.newKeyId)).toBe(false);
    expect(invariants(emu)).toEqual([]);

    // nothing captured holds a secret: logs, notices, reports, HTTP bodies, state rows
    const all = [...cap.lines, JSON.stringify(cap.notices), ...outputs, await dumpTable(table)].join("\n");
    expect(leaks(emu, all)).toEqual([]);
    for (const c of keeperApp(emu).passwordCredentials) expect(all.includes(c.secretText)).toBe(false);
    expect(all.includes(newCred.secretText)).toBe(false);
  });

  /** The state a store call writes (save) or read (load). */
  const written = (c: PortCall): RotationState | undefined =>
    c.port === "store" && c.method === "save" ? (c.args[0] as RotationState) : undefined;
  const saves = (match: (s: RotationState) => boolean) => (c: PortCall) => {
    const s = written(c);
    return s !== undefined && match(s);
  };
  const calls = (port: PortCall["port"], method: string) => (c: PortCall) => c.port === port && c.method === method;
  /**
   * Where each crash point falls among the runner's port calls: right after the call that did it
   * resolved (`after`), or, for a call whose failure the runner cleans up after, just before the
   * next call starts (`thenNext`). `retiring`: only while the stored stage is retiring.
   */
  const CRASH_POINTS: Record<
    string,
    { after?: (c: PortCall) => boolean; thenNext?: (c: PortCall) => boolean; retiring?: true }
  > = {
    intent: { after: saves((s) => s.stage === "adding" && !s.newKeyId) },
    addPassword: { after: calls("ports", "addPassword") },
    recordNewKey: { after: saves((s) => s.stage === "adding" && s.newKeyId !== undefined) },
    // the runner takes the credential back when writeVault throws; a kill after it returned does not
    writeVault: { thenNext: calls("ports", "writeVault") },
    recordStored: { after: saves((s) => s.stage === "proving") },
    probe: { after: calls("ports", "probe") },
    proven: { after: saves((s) => s.stage === "handoff") },
    handoff: { after: (c) => c.port === "notifier" && (c.args[0] as Notice).kind === "handoff" },
    handedOff: { after: saves((s) => s.stage === "cutover") },
    cutover: { after: saves((s) => s.stage === "retiring") },
    removeOld: { after: calls("ports", "removePassword"), retiring: true },
    disableOld: { after: calls("ports", "disableVault"), retiring: true },
    finish: { after: saves((s) => s.stage === "idle" && s.lastRotation !== undefined) },
  };
  it.each(Object.keys(CRASH_POINTS))(
    "a run killed after %s: the next runs finish the rotation, nothing lost is kept",
    async (point) => {
      class Crash extends Error {}
      const rule = CRASH_POINTS[point]!;
      let crashed = false;
      let armed = false;
      let storedStage: string | undefined;
      const kill = () => {
        crashed = true;
        throw new Crash(point);
      };
      const watch: PortWatch = {
        before: () => {
          if (armed && !crashed) kill();
        },
        after: (c, result) => {
          if (c.port === "store" && c.method === "load") storedStage = (result as LoadedState).state.stage;
          const s = written(c);
          if (s) storedStage = s.stage;
          if (crashed || (rule.retiring && storedStage !== "retiring")) return;
          if (rule.after?.(c)) kill();
          if (rule.thenNext?.(c)) armed = true;
        },
      };
      const cap = capture();
      const m = {
        rotation: watchedRotation(emu, clock, cap, freshTable(), { SECRET_RETIRE_UNMANAGED: "true" }, watch),
      };
      setDaysLeft(emu, clock, 29);
      let switched = false;
      let finished = false;
      for (let i = 0; i < 15 && !finished; i++) {
        let out;
        try {
          out = await m.rotation.run(cap.log);
        } catch (e) {
          if (!(e instanceof Crash)) throw e;
          clock.advance(15 * 60_000); // past the lease and the orphan grace period
          continue;
        }
        expect(invariants(emu), `after run ${i}`).toEqual([]);
        expect(lostValues(emu), `after run ${i}`).toEqual([]);
        const s = out.state!;
        // the old credential is only ever removed once cut-over is proven
        if (s.stage !== "retiring" && s.stage !== "idle")
          expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(true);
        if (s.stage === "idle" && s.lastRotation) finished = true;
        else if (s.stage === "cutover" && !switched) {
          switched = true;
          keeperUses(emu, s.newKeyId!);
          clock.advance(3_600_000);
          await emu.keeperPush();
          clock.advance(25 * 3_600_000);
          await emu.keeperPush();
        } else clock.advance(15 * 60_000);
      }
      expect(crashed).toBe(true);
      expect(finished).toBe(true);
      expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(false);
      expect(
        keeperApp(emu).passwordCredentials.filter((c) => c.displayName?.startsWith("keeper-monitor:")),
      ).toHaveLength(1);
      // Keeper's current secret is in the vault's newest enabled version
      const current = vaultVersions(emu)
        .filter((v) => v.enabled)
        .at(-1)!;
      expect(current.value).toBe(emu.state.keeper.clientSecret);
    },
  );

  it("100 concurrent runs of the timer (10 instances, twice): exactly one addPassword", async () => {
    const cap = capture();
    const table = freshTable();
    setDaysLeft(emu, clock, 20);
    const instances = Array.from({ length: 10 }, () => rotationMonitor(emu, clock, cap, table));
    const burst = () => Promise.all(Array.from({ length: 100 }, (_, i) => instances[i % 10]!.rotation.run(cap.log)));
    const first = await burst();
    const second = await burst();
    expect(addPasswordCalls(emu)).toBe(1);
    expect([...first, ...second].filter((o) => o.ran).length).toBeGreaterThanOrEqual(1);
    expect(cap.notices.filter((n) => n.kind === "handoff")).toHaveLength(1);
    expect(invariants(emu)).toEqual([]);
  });

  it.each([
    ["Graph 403 on addPassword", { service: "graph" as const, method: "POST", path: /addPassword$/, status: 403 }],
    [
      "Graph 429 on addPassword",
      { service: "graph" as const, method: "POST", path: /addPassword$/, status: 429, retryAfterSeconds: 0 },
    ],
    ["Graph 503 on addPassword", { service: "graph" as const, method: "POST", path: /addPassword$/, status: 503 }],
    ["Graph 500 reading the app", { service: "graph" as const, method: "GET", path: /applications/, status: 500 }],
    ["Key Vault 500 on the new version", { service: "vault" as const, method: "PUT", status: 500 }],
    [
      "Key Vault 403 reading the value",
      { service: "vault" as const, method: "GET", path: /secrets\/[^/]+\/[0-9a-f]{32}$/, status: 403 },
    ],
    ["Key Vault 503 disabling the old version", { service: "vault" as const, method: "PATCH", status: 503 }],
    [
      "Graph 503 removing the old secret",
      { service: "graph" as const, method: "POST", path: /removePassword$/, status: 503 },
    ],
  ])("%s: the run records why; the next run repairs and the rotation completes", async (_name, fault) => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable(), { SECRET_RETIRE_UNMANAGED: "true" });
    setDaysLeft(emu, clock, 29);
    emu.faults.add(fault);
    let sawError = false;
    let switched = false;
    for (let i = 0; i < 12; i++) {
      const out = await m.rotation.run(cap.log);
      if (out.state?.lastError) {
        sawError = true;
        expect(out.state.lastError.reason).toBeTruthy();
        emu.faults.clear();
      }
      expect(invariants(emu)).toEqual([]);
      expect(lostValues(emu).length <= 1).toBe(true); // a value lost by a failed run is removed by the next
      const s = out.state!;
      if (s.stage === "idle" && s.lastRotation) break;
      if (s.stage === "cutover" && !switched) {
        switched = true;
        keeperUses(emu, s.newKeyId!);
        clock.advance(3_600_000);
        await emu.keeperPush();
        clock.advance(25 * 3_600_000);
        await emu.keeperPush();
      } else clock.advance(15 * 60_000);
    }
    expect(sawError).toBe(true);
    expect(lostValues(emu)).toEqual([]);
    expect(addPasswordCalls(emu)).toBeLessThanOrEqual(2);
    expect((await m.rotation.view()) as { stage: string }).toMatchObject({ stage: "idle" });
  });

  it("a Graph 403 on addPassword is unknown with the ownership fix, in the state and the report", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable());
    setDaysLeft(emu, clock, 29);
    emu.faults.add({ service: "graph", method: "POST", path: /addPassword$/, status: 403 });
    const out = await m.rotation.run(cap.log);
    expect(out.state?.lastError).toMatchObject({ status: "unknown" });
    const f = (await m.runAll()).findings.find((x) => x.check === "rotation.state")!;
    expect(f.status).toBe("unknown");
    expect(f.remediation).toContain("Application.ReadWrite.OwnedBy");
    expect(f.remediation).toContain("owner of the Keeper app");
    expect(addPasswordCalls(emu)).toBe(1);
    expect(keeperApp(emu).passwordCredentials).toHaveLength(1);
    // without ownership even the read is refused: the same fix
    keeperApp(emu).owners = [];
    await m.rotation.run(cap.log);
    const g = (await m.runAll()).findings.find((x) => x.check === "rotation.state")!;
    expect(g.status).toBe("unknown");
    expect(g.remediation).toContain("owner of the Keeper app");
  });

  it("a failed step's error is gone once a later run gets past it, also while the new secret's proof is pending", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable());
    setDaysLeft(emu, clock, 29);
    emu.faults.add({ service: "graph", method: "POST", path: /addPassword$/, status: 503, times: 20 });
    expect((await m.rotation.run(cap.log)).state?.lastError).toMatchObject({ step: "addPassword" });
    emu.faults.clear();
    // the next run adds the secret; the app is disabled meanwhile, so its proof is pending
    keeperApp(emu).servicePrincipal!.accountEnabled = false;
    clock.advance(600_000);
    const out = await m.rotation.run(cap.log);
    expect(out.state?.stage).toBe("proving");
    expect(out.state?.lastError).toBeUndefined();
    const f = (await m.runAll()).findings.find((x) => x.check === "rotation.state")!;
    expect(f.summary).not.toMatch(/Last step failed/);
    expect(f.status).toBe("ok");
  });

  it("a new secret still refused after the 5-minute propagation window is taken back, and the next run tries again", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable());
    setDaysLeft(emu, clock, 29);
    emu.state.secretPropagationMs = 60 * 60_000;
    const out = await m.rotation.run(cap.log);
    expect(out.state?.stage).toBe("adding");
    expect(out.state?.lastError).toMatchObject({ step: "probe", status: "problem" });
    expect(keeperApp(emu).passwordCredentials).toHaveLength(1);
    expect(invariants(emu)).toEqual([]);
    expect(cap.notices).toEqual([]);
    emu.state.secretPropagationMs = 0;
    clock.advance(3_600_000);
    expect((await m.rotation.run(cap.log)).state?.stage).toBe("cutover");
  });

  it("a disabled service principal: the new secret stays in the app and the vault past the window, then is proven (simulation seed 897)", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable());
    setDaysLeft(emu, clock, 29);
    keeperApp(emu).servicePrincipal!.accountEnabled = false;
    expect((await m.rotation.run(cap.log)).state?.stage).toBe("proving");
    const added = keeperApp(emu).passwordCredentials.filter((c) => c.displayName?.startsWith("keeper-monitor:"));
    expect(added).toHaveLength(1);
    // an hour later, long past the propagation window: the app is still disabled, every secret fails alike
    clock.advance(3_600_000);
    const out = await m.rotation.run(cap.log);
    expect(out.state?.stage).toBe("proving");
    expect(keeperApp(emu).passwordCredentials.map((c) => c.keyId)).toContain(added[0]!.keyId);
    expect(vaultVersions(emu).filter((v) => v.enabled && v.tags["keyId"] === added[0]!.keyId)).toHaveLength(1);
    expect(addPasswordCalls(emu)).toBe(1);
    expect(cap.lines.join("\n")).toMatch(/service principal is disabled \(AADSTS7000112\)/);
    expect(invariants(emu)).toEqual([]);
    keeperApp(emu).servicePrincipal!.accountEnabled = true;
    clock.advance(3_600_000);
    expect((await m.rotation.run(cap.log)).state?.stage).toBe("cutover");
    expect(addPasswordCalls(emu)).toBe(1);
  });

  it("a tenant policy: caps the lifetime at maxLifetime; passwordAddition blocks and says so", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable());
    setDaysLeft(emu, clock, 29);
    emu.state.graph.defaultAppManagementPolicy = {
      ...emu.state.graph.defaultAppManagementPolicy,
      isEnabled: true,
      applicationRestrictions: {
        passwordCredentials: [{ restrictionType: "passwordLifetime", maxLifetime: "P90D" }],
        keyCredentials: [],
      },
    };
    const out = await m.rotation.run(cap.log);
    const c = keeperApp(emu).passwordCredentials.find((x) => x.keyId === out.state?.newKeyId)!;
    expect(Date.parse(c.endDateTime) - clock.ms).toBeLessThanOrEqual(90 * DAY);

    const cap2 = capture();
    emu.applyScenario("healthy");
    setDaysLeft(emu, clock, 29);
    emu.state.graph.appPolicies = {
      [keeperApp(emu).id]: [
        { isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: "passwordAddition" }] } },
      ],
    };
    emu.resetCalls();
    const m2 = rotationMonitor(emu, clock, cap2, freshTable());
    const out2 = await m2.rotation.run(cap2.log);
    expect(out2.state?.blocked).toContain("passwordAddition");
    expect(addPasswordCalls(emu)).toBe(0);
    const f = (await m2.runAll()).findings.find((x) => x.check === "rotation.state")!;
    expect(f.status).toBe("problem");
  });

  it("POST /api/rotation/confirm: strict body, 409 for the wrong rotation, and a confirmation ends the wait", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable(), { SECRET_RETIRE_UNMANAGED: "true" });
    setDaysLeft(emu, clock, 29);
    const s = (await m.rotation.run(cap.log)).state!;
    expect(s.stage).toBe("cutover");
    const confirm = rotationConfirmHandler({ getMonitor: () => m });
    const post = (body: string) =>
      confirm(
        new func.HttpRequest({ method: "POST", url: "https://x/api/rotation/confirm", body: { string: body } }),
        ctx().c,
      );
    const good = { rotationId: s.rotationId, keyId: s.newKeyId, confirmedBy: "ann@example.com" };
    for (const [body, field] of [
      ["not json", "body"],
      ["[]", "body"],
      [JSON.stringify({ ...good, extra: 1 }), "extra"],
      [JSON.stringify({ ...good, rotationId: undefined }), "rotationId"],
      [JSON.stringify({ ...good, keyId: "abc" }), "keyId"],
      [JSON.stringify({ ...good, confirmedBy: "" }), "confirmedBy"],
    ] as const) {
      const r = await post(body);
      expect(r.status, body).toBe(400);
      expect((r.jsonBody as { field: string }).field).toBe(field);
    }
    const wrong = await post(JSON.stringify({ ...good, keyId: ids.KEEPER_SECRET_KEY_ID }));
    expect(wrong.status).toBe(409);
    // the old secret stays until the confirmation
    await m.rotation.run(cap.log);
    expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(true);
    const r = await post(JSON.stringify(good));
    expect(r.status).toBe(200);
    const recorded = r.jsonBody as { confirmedBy: string; confirmedAt: string };
    // a replay, by anyone, changes nothing and names who confirmed first, and when
    const replay = await post(JSON.stringify({ ...good, confirmedBy: "mallory@example.com" }));
    expect(replay.status).toBe(409);
    expect((replay.jsonBody as { error: string }).error).toBe(
      `already confirmed by ann@example.com at ${recorded.confirmedAt}`,
    );
    expect((await m.rotation.view()) as { confirmedBy?: string; confirmedAt?: string }).toMatchObject({
      confirmedBy: "ann@example.com",
      confirmedAt: recorded.confirmedAt,
    });
    const done = await m.rotation.run(cap.log);
    expect(done.state?.stage).toBe("idle");
    expect(keeperApp(emu).passwordCredentials.some((c) => c.keyId === ids.KEEPER_SECRET_KEY_ID)).toBe(false);
    expect(leaks(emu, JSON.stringify(r.jsonBody) + cap.lines.join("\n"))).toEqual([]);
  });

  it("POST /api/rotation/confirm with ROTATION_CONFIRM_ENTRA_AUTH: the signed-in caller is the confirmer", async () => {
    const cap = capture();
    const m = rotationMonitor(emu, clock, cap, freshTable(), { ROTATION_CONFIRM_ENTRA_AUTH: "true" });
    setDaysLeft(emu, clock, 29);
    const s = (await m.rotation.run(cap.log)).state!;
    const confirm = rotationConfirmHandler({ getMonitor: () => m });
    const post = (body: object, headers: Record<string, string> = {}) =>
      confirm(
        new func.HttpRequest({
          method: "POST",
          url: "https://x/api/rotation/confirm",
          body: { string: JSON.stringify(body) },
          headers,
        }),
        ctx().c,
      );
    // the decoded shape documented for X-MS-CLIENT-PRINCIPAL (configure-authentication-user-identities)
    const principal = (name: string) => ({
      "x-ms-client-principal": Buffer.from(
        JSON.stringify({
          auth_typ: "aad",
          claims: [{ typ: "name", val: name }],
          name_typ: "name",
          role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        }),
      ).toString("base64"),
    });
    const body = { rotationId: s.rotationId, keyId: s.newKeyId };
    const anon = await post({ ...body, confirmedBy: "ann@example.com" });
    expect(anon.status).toBe(401);
    expect((anon.jsonBody as { error: string }).error).toContain("X-MS-CLIENT-PRINCIPAL");
    expect((await post(body, { "x-ms-client-principal": "%%%" })).status).toBe(401);
    const spoof = await post({ ...body, confirmedBy: "ann@example.com" }, principal("bob@example.com"));
    expect(spoof.status).toBe(400);
    const ok = await post(body, principal("bob@example.com"));
    expect(ok.status).toBe(200);
    expect((ok.jsonBody as { confirmedBy: string }).confirmedBy).toBe("bob@example.com");
  });
});

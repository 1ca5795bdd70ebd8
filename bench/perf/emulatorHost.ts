/**
 * The emulator in its own process, so its work (TLS, the KQL evaluator scanning history) is not
 * timed as the monitor's. A plain-HTTP control port (never counted as an Azure call) serves the
 * call log, resets it, re-seeds the Keeper table with N days of history, and stores a fleet
 * target's Key Vault secret (POST /secrets [{ name, appId }]).
 *
 *   tsx bench/perf/emulatorHost.ts <latencyMs> <seed>   → prints one JSON line: { url, settings, managedIdentity, control, workspaces }
 *
 * `managedIdentity` is the environment a Function App's managed identity has (IDENTITY_ENDPOINT,
 * IDENTITY_HEADER): a measured process given it runs without a client secret, as in Azure.
 *
 * BENCH_FLEET='{"connectors":N,"perWorkspace":10,"historyDays":D,"armPageSize":P}' seeds a world of N
 * Keeper connectors (emulator/fleet.ts); `workspaces` lists its workspaces. `"armReadThrottle":
 * {"bucket":250,"refillPerSecond":25}` throttles ARM reads as Azure does.
 */
import { createServer, ServerResponse } from "node:http";
import {
  ensureCertificate,
  fleetWorkspaceIds,
  startEmulator,
  storeAppSecret,
  type FleetOptions,
} from "../../emulator/index.js";
import { generateKeeperTraffic } from "../../emulator/traffic.js";

const latencyMs = Number(process.argv[2] ?? 50);
const seed = Number(process.argv[3] ?? 7);
const { key, cert } = await ensureCertificate(".cache/emulator-cert");
const fleetSpec = process.env["BENCH_FLEET"]
  ? (JSON.parse(process.env["BENCH_FLEET"]) as FleetOptions & {
      armPageSize?: number;
      armReadThrottle?: { bucket: number; refillPerSecond: number };
    })
  : undefined;
const { armPageSize, armReadThrottle, ...fleet } = fleetSpec ?? { connectors: 1 };
const emu = await startEmulator({
  tls: { key, cert },
  latencyMs,
  seed,
  ...(fleet.connectors > 1 ? { fleet } : {}),
  ...(armPageSize ? { armPageSize } : {}),
  ...(armReadThrottle ? { armReadThrottle } : {}),
});

// Size of every Log Analytics reply (bytes, rows), to show the watch's reply does not grow with history.
interface Reply {
  path: string;
  bytes: number;
  rows: number;
}
const replies: Reply[] = [];
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied with its own `this` below
const end = ServerResponse.prototype.end;
ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
  const chunk = args[0];
  const path = this.req?.url ?? "";
  if (/\/v1\/workspaces\/[^/]+\/query/i.test(path) && Buffer.isBuffer(chunk)) {
    let rows = 0;
    try {
      const body = JSON.parse(chunk.toString("utf8")) as { tables?: Array<{ rows?: unknown[] }> };
      rows = (body.tables ?? []).reduce((n, t) => n + (t.rows?.length ?? 0), 0);
    } catch {
      rows = -1;
    }
    replies.push({ path, bytes: chunk.length, rows });
  }
  return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
} as typeof ServerResponse.prototype.end;

const KEEPER_TABLE = "KeeperSecurityEventNewLogs_CL";
const control = createServer((req, res) => {
  const u = new URL(req.url ?? "/", "http://localhost");
  const reply = (body: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  switch (u.pathname) {
    case "/calls":
      return reply({ calls: emu.calls, replies });
    case "/cpu": {
      const c = process.cpuUsage();
      return reply({ ms: (c.user + c.system) / 1000 });
    }
    case "/reset":
      emu.resetCalls();
      replies.length = 0;
      return reply({ ok: true });
    case "/history": {
      const days = Number(u.searchParams.get("days"));
      const table = emu.state.tables[KEEPER_TABLE];
      if (!table) throw new Error(`emulator has no ${KEEPER_TABLE}`);
      table.rows = generateKeeperTraffic(seed, Date.now(), days);
      return reply({ rows: table.rows.length });
    }
    case "/secrets": {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const wanted = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Array<{ name: string; appId: string }>;
        for (const w of wanted) storeAppSecret(emu.state, w.name, w.appId);
        reply({ stored: wanted.length });
      });
      return;
    }
    case "/stop":
      reply({ ok: true });
      void emu.stop().then(() => process.exit(0));
      return;
    default:
      res.writeHead(404).end();
  }
});
control.listen(0, "127.0.0.1", () => {
  const a = control.address();
  const port = typeof a === "object" && a ? a.port : 0;
  const workspaces = fleetWorkspaceIds(emu.state, fleet);
  console.log(
    JSON.stringify({
      url: emu.url,
      settings: emu.settings,
      managedIdentity: emu.managedIdentity,
      control: `http://127.0.0.1:${port}`,
      workspaces,
    }),
  );
});

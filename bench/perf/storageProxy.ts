/** A pass-through proxy in front of Azurite's Table endpoint that counts the calls made to it. */
import { createServer, request } from "node:http";

export interface Call {
  service: string;
  method: string;
  path: string;
  at: string;
}

/**
 * Storage calls are not the emulator's: a pass-through proxy in front of each of Azurite's
 * endpoints (Table as "storage", Queue as "queue") counts them.
 */
export async function countingProxy(connectionString: string) {
  if (!/TableEndpoint=/.test(connectionString)) throw new Error("BENCH_STORAGE has no TableEndpoint");
  const seen: Call[] = [];
  let cs = connectionString;
  const closers: Array<() => void> = [];
  for (const [key, service] of [
    ["TableEndpoint", "storage"],
    ["QueueEndpoint", "queue"],
  ] as const) {
    const endpoint = new RegExp(`${key}=([^;]+)`).exec(connectionString)?.[1];
    if (!endpoint) continue;
    const p = await proxyOne(endpoint, service, seen);
    cs = cs.replace(endpoint, p.endpoint);
    closers.push(p.close);
  }
  return { connectionString: cs, calls: seen, close: () => closers.forEach((c) => c()) };
}

async function proxyOne(endpoint: string, service: string, seen: Call[]) {
  const target = new URL(endpoint);
  const server = createServer((req, res) => {
    seen.push({ service, method: req.method ?? "GET", path: req.url ?? "", at: new Date().toISOString() });
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}${target.pathname}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

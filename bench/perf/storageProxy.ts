/** A pass-through proxy in front of Azurite's Table endpoint that counts the calls made to it. */
import { createServer, request } from "node:http";

export interface Call {
  service: string;
  method: string;
  path: string;
  at: string;
}

/** Table storage calls are not the emulator's: a pass-through proxy in front of Azurite counts them. */
export async function countingProxy(connectionString: string) {
  const endpoint = /TableEndpoint=([^;]+)/.exec(connectionString)?.[1];
  if (!endpoint) throw new Error("BENCH_STORAGE has no TableEndpoint");
  const target = new URL(endpoint);
  const seen: Call[] = [];
  const server = createServer((req, res) => {
    seen.push({ service: "storage", method: req.method ?? "GET", path: req.url ?? "", at: new Date().toISOString() });
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
    connectionString: connectionString.replace(endpoint, `http://127.0.0.1:${port}${target.pathname}`),
    calls: seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

import { request } from "node:http";

/**
 * A call to the emulator host's plain-HTTP control port (never counted as an Azure call). It uses
 * node:http, not fetch: fetch loads and compiles undici on first use, and a measured process must
 * pay that where the monitor's own first fetch (Graph) does, not before the run.
 */
export function control<T>(base: string, path: string, body?: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      `${base}${path}`,
      {
        method: payload ? "POST" : "GET",
        headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as T);
          } catch (e) {
            reject(new Error(`control ${path}: ${res.statusCode} ${(e as Error).message}`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

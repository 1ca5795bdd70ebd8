import type { Readable } from "node:stream";
import { RestError, type PipelinePolicy } from "@azure/core-rest-pipeline";

/**
 * The largest reply body the monitor reads from ARM, Graph, Key Vault or Log Analytics. Its
 * replies are a few KB (a DCR, an app, a secret version, a query of a few hundred rows); a
 * Flex Consumption instance has 2 GB of memory, and a reply read whole costs several times its size.
 */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export const RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE";

function tooLarge(maxBytes: number, seen: string): RestError {
  return new RestError(
    `reply larger than ${Math.round(maxBytes / 1024 / 1024)} MB (${seen}): not read; the monitor reads replies up to that size`,
    { code: RESPONSE_TOO_LARGE },
  );
}

/** The body as UTF-8 text, refused (and the connection dropped) as soon as it passes `maxBytes`. */
function readCapped(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on("data", (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      bytes += b.length;
      if (bytes > maxBytes) {
        (stream as Readable).destroy();
        reject(tooLarge(maxBytes, `more than ${maxBytes} bytes`));
        return;
      }
      chunks.push(b);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    // Closed without an end (aborted): the first of resolve/reject wins, so this only fires then.
    stream.on("close", () => reject(new RestError("reply closed before its end", { code: "ECONNRESET" })));
  });
}

/**
 * A pipeline policy that reads reply bodies itself, at most `maxBytes` (after decompression), instead
 * of letting the HTTP client buffer any size. Over the limit the call fails with RESPONSE_TOO_LARGE,
 * which the checks report as unknown. Sits next to the wire (after retry), so each try is bounded;
 * a request that asks for a stream itself is left alone.
 */
export function responseLimitPolicy(maxBytes = MAX_REPLY_BYTES): PipelinePolicy {
  return {
    name: "responseLimitPolicy",
    async sendRequest(request, next) {
      if (request.streamResponseStatusCodes) return next(request);
      // POSITIVE_INFINITY: every status streams (core-rest-pipeline's PipelineRequest docs).
      request.streamResponseStatusCodes = new Set([Number.POSITIVE_INFINITY]);
      let response;
      try {
        response = await next(request);
      } finally {
        request.streamResponseStatusCodes = undefined;
      }
      const stream = response.readableStreamBody;
      if (!stream) return response;
      response.readableStreamBody = undefined;
      const declared = Number(response.headers.get("content-length") ?? "");
      if (Number.isFinite(declared) && declared > maxBytes && !response.headers.get("content-encoding")) {
        (stream as Readable).destroy();
        throw tooLarge(maxBytes, `Content-Length ${declared}`);
      }
      response.bodyAsText = await readCapped(stream, maxBytes);
      return response;
    },
  };
}

/**
 * A fetch reply with its body read here, at most `maxBytes` (after decompression), for clients that
 * speak fetch rather than core-rest-pipeline (the Graph SDK). Over the limit the body is cancelled
 * and the call fails with RESPONSE_TOO_LARGE, as the pipeline policy does.
 */
export async function cappedResponse(response: Response, maxBytes = MAX_REPLY_BYTES): Promise<Response> {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  const body = response.body;
  // A 204/205/304 must be rebuilt without a body (the Response constructor refuses one).
  if (!body || [204, 205, 304].includes(response.status)) {
    await body?.cancel();
    return new Response(null, init);
  }
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes && !response.headers.get("content-encoding")) {
    await body.cancel();
    throw tooLarge(maxBytes, `Content-Length ${declared}`);
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes, `more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new Response(Buffer.concat(chunks).toString("utf8"), init);
}

/** The client option that adds the policy to an Azure SDK client (core-client `additionalPolicies`). */
export const RESPONSE_LIMIT_POLICIES = [{ policy: responseLimitPolicy(), position: "perRetry" as const }];

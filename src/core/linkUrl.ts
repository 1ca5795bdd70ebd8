/** Hosts a plain-http link may point to: this machine only (local development, the emulator). */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/**
 * A URL a button or mail link may open: https, or http to this machine only. Anything else (a
 * javascript: or data: URL, plain http across a network) is never offered to a reader.
 */
export function isLinkUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname));
}

const HOST =
  /^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;

/** A host name with an optional port (what App Service puts in WEBSITE_HOSTNAME), lower-cased; undefined otherwise. */
export function hostName(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && HOST.test(v) ? v.toLowerCase() : undefined;
}

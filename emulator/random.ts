import { randomBytes } from "node:crypto";

/** mulberry32: small, fast, seeded PRNG. Returns a function yielding floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomGuid(): string {
  return crypto.randomUUID();
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An Entra-shaped client secret: 3 chars, "8Q~", 34 chars of [A-Za-z0-9~._-] (40 chars in all). */
export function entraSecret(): string {
  const bytes = randomBytes(37);
  let out = "";
  for (let i = 0; i < 3; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  out += "8Q~";
  for (let i = 3; i < 37; i++) out += SECRET_ALPHABET[bytes[i]! % SECRET_ALPHABET.length];
  return out;
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString("base64url");
}

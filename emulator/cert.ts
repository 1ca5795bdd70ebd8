import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import selfsigned from "selfsigned";

export interface CertificatePair {
  key: string;
  cert: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost (it is its own CA). */
export async function generateCertificate(): Promise<CertificatePair> {
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const notAfterDate = new Date(Date.now() + 825 * 86_400_000);
  const pems = await selfsigned.generate([{ name: "commonName", value: "keeper-monitor-emulator" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Create once (reuse if the files exist) a certificate valid for 127.0.0.1/localhost in `dir`. */
export async function ensureCertificate(
  dir: string,
): Promise<{ keyPath: string; certPath: string; key: string; cert: string }> {
  const keyPath = path.join(dir, "emulator-key.pem");
  const certPath = path.join(dir, "emulator-cert.pem");
  try {
    const [key, cert] = await Promise.all([readFile(keyPath, "utf8"), readFile(certPath, "utf8")]);
    if (key.includes("PRIVATE KEY") && cert.includes("BEGIN CERTIFICATE")) return { keyPath, certPath, key, cert };
  } catch {
    // create below
  }
  await mkdir(dir, { recursive: true });
  const { key, cert } = await generateCertificate();
  // write the key first, then the cert; concurrent creators each write a complete consistent pair
  const tmp = `.${process.pid}.${Date.now()}.tmp`;
  await writeFile(keyPath + tmp, key, { mode: 0o600 });
  await writeFile(certPath + tmp, cert);
  const { rename } = await import("node:fs/promises");
  await rename(keyPath + tmp, keyPath);
  await rename(certPath + tmp, certPath);
  return { keyPath, certPath, key, cert };
}

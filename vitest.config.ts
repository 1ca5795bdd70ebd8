import path from "node:path";
import { defineConfig } from "vitest/config";
import { ensureCertificate } from "./emulator/index.js";

// Node reads NODE_EXTRA_CA_CERTS only at process start, so the emulator's certificate is made
// here, before the test workers start, and every worker trusts it like a real CA.
const { certPath } = await ensureCertificate(".cache/emulator-cert");
process.env.NODE_EXTRA_CA_CERTS = path.resolve(certPath);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["./test/globalSetup.ts"],
    reporters: ["default", "./test/summaryReporter.ts"],
  },
});

import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SCENARIOS, startEmulator } from "./index.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

const port = Number(arg("port") ?? 0);
const scenario = arg("scenario") ?? "healthy";
if (!SCENARIOS.some((s) => s.name === scenario)) {
  console.error(`Unknown scenario '${scenario}'. Known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const emu = await startEmulator({ port, scenario });
const caPath = path.join(tmpdir(), `keeper-emulator-ca-${process.pid}.pem`);
writeFileSync(caPath, emu.caPem);
console.log(`Azure emulator listening on ${emu.url} (scenario: ${scenario})`);
console.log(`NODE_EXTRA_CA_CERTS=${caPath}`);
for (const [k, v] of Object.entries(emu.settings)) console.log(`${k}=${v}`);
console.log(`# Teams webhook: ${emu.teamsWebhookUrl}`);
const shutdown = () => {
  rmSync(caPath, { force: true });
  void emu.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

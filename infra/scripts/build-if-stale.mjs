#!/usr/bin/env node
// `npm start` and `npm run emulator`: runs `tsc -p tsconfig.json` only when the build output is
// missing or older than a source. The sources are every file under src/ and emulator/, tsconfig.json
// and package.json. dist/.build-stamp carries the start time of the last successful build, so a file
// saved while tsc ran is still newer than it. Checking costs one stat per source file.
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const stamp = path.join(root, "dist", ".build-stamp");

/** The newest modification time (ms) under `p`, or 0 when it does not exist. */
function newest(p) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted or renamed file changes its directory's time
  for (const name of readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

function stampTime() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

const sources = ["src", "emulator", "tsconfig.json", "package.json"].map((s) => path.join(root, s));
const built = stampTime();
if (built >= 0 && Math.max(...sources.map(newest)) <= built) process.exit(0);

const startedAt = new Date();
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
closeSync(openSync(stamp, "w"));
utimesSync(stamp, startedAt, startedAt);

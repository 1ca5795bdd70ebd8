import { sortFindings, type Finding } from "./finding.js";
import type { Expected, Observed } from "./expected.js";
import { analyzeApp, analyzeDcrExists, analyzeWorkspace } from "./resources.js";
import { analyzeTable } from "./table.js";
import { analyzeDcr } from "./dcr.js";
import { analyzeDce } from "./dce.js";
import { analyzeRole } from "./role.js";
import { analyzeSecretExpiry, analyzeSecretVault } from "./secret.js";
import { analyzeFreshness } from "./freshness.js";

/** Drift is data: every catalog check, from one observation of the connector, sorted. */
export function analyze(e: Expected, o: Observed): Finding[] {
  return sortFindings([
    ...analyzeWorkspace(e, o),
    ...analyzeTable(e, o),
    ...analyzeDcrExists(e, o),
    ...analyzeDcr(e, o),
    ...analyzeDce(e, o),
    ...analyzeRole(e, o),
    ...analyzeApp(e, o),
    ...analyzeSecretExpiry(e, o),
    ...analyzeSecretVault(e, o),
    ...analyzeFreshness(e, o),
  ]);
}

import { sortFindings, type Finding } from "../core/finding.js";
import type { Expected, Observed } from "./expected.js";
import { analyzeApp, analyzeDcrExists, analyzeWorkspace } from "./resources.js";
import { analyzeTable } from "./table.js";
import { analyzeDcr } from "./dcr.js";
import { analyzeDce } from "./dce.js";
import { analyzeRole } from "./role.js";
import { analyzeSecretExpiry, analyzeSecretVault } from "./secret.js";

/**
 * Drift is data: every drift check, from one observation of the connector, sorted. The ingestion.*
 * checks come from the ingestion watch (src/ingestion), added to the same report as a provider.
 */
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
  ]);
}

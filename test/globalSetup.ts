import type { TestProject } from "vitest/node";
import { startAzurite } from "../emulator/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the Azurite Table service started for this test run. */
    tablesConnection: string;
  }
}

/** Starts Azurite once for the whole run; tests read its connection string with inject(). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("tablesConnection", azurite.connectionString);
  return () => azurite.stop();
}

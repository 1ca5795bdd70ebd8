import { describe, expect, it } from "vitest";
import { IDS } from "../../emulator/constants.js";
import { exitCodeFor, type Report } from "../../src/report/report.js";
import { monitorFor, sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();

const byCheck = (r: Report, check: string) => r.findings.find((f) => f.check === check)!;
const problems = (r: Report) => r.findings.filter((f) => f.status === "problem").map((f) => f.check);
const exact = (id: string) => new RegExp(`${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "i");

/** The healthy resource as the emulator serves it, with `edit` applied. */
function variant(id: string, edit: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const r = structuredClone(emulator().state.resources[id]) as unknown as Record<string, unknown>;
  edit(r);
  return r;
}
const props = (r: Record<string, unknown>) => r["properties"] as Record<string, unknown>;

describe("a 200 reply of the wrong shape is unknown, never a change", () => {
  it.each([
    ["a DCR without properties", (r: Record<string, unknown>) => delete r["properties"], "properties"],
    [
      "a DCR whose streamDeclarations is a string",
      (r: Record<string, unknown>) => (props(r)["streamDeclarations"] = "Custom-KeeperSecurityEventNewLogs"),
      "properties.streamDeclarations",
    ],
    [
      "a DCR whose dataFlows hold a string",
      (r: Record<string, unknown>) => (props(r)["dataFlows"] = ["Custom-KeeperSecurityEventNewLogs"]),
      "properties.dataFlows.0",
    ],
    [
      "a DCR whose transformKql is a number",
      (r: Record<string, unknown>) =>
        ((props(r)["dataFlows"] as Array<Record<string, unknown>>)[0]!["transformKql"] = 42),
      "properties.dataFlows.0.transformKql",
    ],
  ])("%s", async (_name, edit, field) => {
    emulator().faults.add({ service: "arm", path: exact(IDS.dcr), body: variant(IDS.dcr, edit) });
    const r = await monitorFor(emulator()).runDriftChecks();
    for (const check of ["dcr.exists", "dcr.stream", "dcr.dataFlow", "dce.exists"]) {
      expect(byCheck(r, check).status, check).toBe("unknown");
    }
    expect(byCheck(r, "dcr.exists").summary).toContain(field);
    expect(problems(r)).toEqual([]);
    expect(exitCodeFor(r)).toBe(2);
  });

  it("a DCE without properties", async () => {
    const dceId = String(props(emulator().state.resources[IDS.dcr] as never)["dataCollectionEndpointId"]);
    emulator().faults.add({ service: "arm", path: exact(dceId), body: variant(dceId, (r) => delete r["properties"]) });
    const r = await monitorFor(emulator()).runDriftChecks();
    expect(byCheck(r, "dce.exists").status).toBe("unknown");
    expect(byCheck(r, "dce.exists").summary).toContain("properties");
    expect(problems(r)).toEqual([]);
  });

  it("a workspace whose customerId is a number", async () => {
    emulator().faults.add({
      service: "arm",
      path: exact(IDS.workspace),
      body: variant(IDS.workspace, (r) => (props(r)["customerId"] = 7)),
    });
    const r = await monitorFor(emulator()).runDriftChecks();
    expect(byCheck(r, "workspace.exists").status).toBe("unknown");
    expect(byCheck(r, "workspace.exists").summary).toContain("properties.customerId");
    expect(problems(r)).toEqual([]);
  });

  it.each([
    ["without properties", (r: Record<string, unknown>) => delete r["properties"], "properties"],
    [
      "whose schema is a string",
      (r: Record<string, unknown>) => (props(r)["schema"] = "KeeperSecurityEventNewLogs_CL"),
      "properties.schema",
    ],
  ])("a table %s", async (_name, edit, field) => {
    const tableId = `${IDS.workspace}/tables/${emulator().settings["KEEPER_TABLE_NAME"] ?? "KeeperSecurityEventNewLogs_CL"}`;
    const id = Object.keys(emulator().state.resources).find((k) => k.toLowerCase() === tableId.toLowerCase())!;
    emulator().faults.add({ service: "arm", path: exact(id), body: variant(id, edit) });
    const r = await monitorFor(emulator()).runDriftChecks();
    expect(byCheck(r, "table.exists").status).toBe("unknown");
    expect(byCheck(r, "table.schema").status).toBe("unknown");
    expect(byCheck(r, "table.exists").summary).toContain(field);
    expect(problems(r)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { analyzeTransform } from "../../src/checks/transform.js";
import { keeperProfile } from "../../src/connector/profile.js";

const p = keeperProfile("Custom-KeeperSecurityEventNewLogs", "KeeperSecurityEventNewLogs_CL");
const types = (cols: Array<{ name: string; type: string }>) => Object.fromEntries(cols.map((c) => [c.name, c.type]));

describe("analyzeTransform", () => {
  it("turns Keeper's stream into exactly the table's columns with the solution's transform", () => {
    const r = analyzeTransform(p.transformKql, p.streamColumns);
    expect(r.errors).toEqual([]);
    expect(r.unverified).toEqual([]);
    expect(types(r.columns)).toEqual(types(p.tableColumns));
  });

  it.each([
    ["renames a column the stream lacks", "source | project-rename User = usr", /no column usr/],
    ["where on a missing column", "source | where missing_col == 'x'", /where reads column missing_col/],
    ["does not start with source", "print 1", /does not start with "source"/],
  ])("finds an error when it %s", (_n, kql, err) => {
    expect(analyzeTransform(kql, p.streamColumns).errors.join("\n")).toMatch(err);
  });

  it("tracks types through extend, project and project-away", () => {
    const r = analyzeTransform(
      "source | extend TimeGenerated = now(), Id = toint(enterprise_id), Note = strcat(username, '|', category) | project TimeGenerated, Id, Note, username | project-away username",
      p.streamColumns,
    );
    expect(types(r.columns)).toEqual({ TimeGenerated: "datetime", Id: "int", Note: "string" });
    expect(r.errors).toEqual([]);
  });

  it("marks unknown operators as unverified instead of guessing", () => {
    const r = analyzeTransform("source | parse data with * 'x=' X", p.streamColumns);
    expect(r.unverified).toEqual(["operator parse"]);
  });

  it("passes the stream through untouched when there is no transform", () => {
    expect(types(analyzeTransform(undefined, p.streamColumns).columns)).toEqual(types(p.streamColumns));
  });
});

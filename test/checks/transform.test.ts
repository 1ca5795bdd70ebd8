import { describe, expect, it } from "vitest";
import { analyzeTransform, tamperingOf } from "../../src/checks/transform.js";
import { keeperProfile } from "../../src/connector/profile.js";
import { tokenise } from "../../src/checks/kqlTokens.js";

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

describe("tamperingOf: what the live transform does to Keeper's rows and columns", () => {
  const keeperColumns = p.tableColumns.map((c) => c.name);
  const solution = analyzeTransform(p.transformKql, p.streamColumns);
  const of = (kql: string) => tamperingOf(solution, analyzeTransform(kql, p.streamColumns), keeperColumns);
  const renames = p.transformKql.slice(p.transformKql.indexOf("| project-rename"));

  it.each([
    ["the solution's transform", p.transformKql],
    ["a comment line", `// Keeper Security\n${p.transformKql} // end`],
    ["a comment between stages", p.transformKql.replace(" | project-rename", "\n// rename\n| project-rename")],
    ["tabs, newlines and no spaces", p.transformKql.replace(/ /g, "\n\t ").replace(/ = /g, "=")],
    ["an extra extend of a new column", `${p.transformKql} | extend Source = "keeper"`],
    ["a string holding // and a pipe", `${p.transformKql} | extend Note = "see https://x/ | y"`],
    [
      "the same columns by project",
      `source | extend TimeGenerated = now() | project TimeGenerated, ${renames.replace("| project-rename ", "")}`,
    ],
  ])("%s is not tampering", (_name, kql) => {
    expect(of(kql)).toEqual({ rows: [], columns: [], affectedColumns: [], unreadable: [] });
  });

  it.each([
    [
      "a filter on one user",
      `${p.transformKql} | where Username != "attacker@example.com"`,
      /where Username != "attacker@example.com"" keeps only the rows that match/,
    ],
    ["where false", `${p.transformKql} | where false`, /"where false" keeps only the rows that match/],
    [
      "a filter before the renames",
      `source | where username !has "attacker" | extend TimeGenerated = now() ${renames}`,
      /where username !has "attacker"/,
    ],
    ["take", `${p.transformKql} | take 10`, /"take 10" keeps only the first rows/],
    ["limit", `${p.transformKql} | limit 1`, /"limit 1"/],
    ["sample", `${p.transformKql} | sample 5`, /"sample 5" keeps a random sample/],
    ["summarize", `${p.transformKql} | summarize count() by Category`, /aggregates the rows/],
    ["distinct", `${p.transformKql} | distinct Category`, /merges rows/],
  ])("%s drops rows", (_name, kql, row) => {
    const t = of(kql);
    expect(t.rows.join("\n")).toMatch(row);
  });

  it.each([
    [
      "blanks Username",
      `${p.transformKql} | extend Username = ""`,
      "Username",
      /Username is blanked \(set to ""; the solution fills it from username\)/,
    ],
    [
      "blanks RemoteAddress with a null",
      `${p.transformKql} | extend RemoteAddress = tostring(null)`,
      "RemoteAddress",
      /RemoteAddress is blanked/,
    ],
    [
      "blanks a stream column before the rename",
      `source | extend username = '' | extend TimeGenerated = now() ${renames}`,
      "Username",
      /Username is blanked/,
    ],
    [
      "overwrites AuditEvent",
      `${p.transformKql} | extend AuditEvent = "login"`,
      "AuditEvent",
      /AuditEvent is overwritten with "login"/,
    ],
    [
      "fills Username from another column",
      `${p.transformKql} | extend Username = Category`,
      "Username",
      /Username is overwritten with category/,
    ],
    [
      "swaps two columns in the renames",
      p.transformKql
        .replace("Category = category", "Category = client_version")
        .replace("ClientVersion = client_version", "ClientVersion = category"),
      "Category",
      /Category is overwritten with client_version/,
    ],
    [
      "backdates TimeGenerated",
      `${p.transformKql} | extend TimeGenerated = datetime(2001-01-01)`,
      "TimeGenerated",
      /TimeGenerated is overwritten with datetime\(2001-01-01\)/,
    ],
    [
      "project-away of RemoteAddress",
      `${p.transformKql} | project-away RemoteAddress`,
      "RemoteAddress",
      /RemoteAddress is removed \(the solution fills it from remote_address\)/,
    ],
    [
      "project without Data",
      `${p.transformKql} | project TimeGenerated, AuditEvent, Username`,
      "Data",
      /Data is removed/,
    ],
  ])("%s", (_name, kql, column, text) => {
    const t = of(kql);
    expect(t.affectedColumns).toContain(column);
    expect(t.columns.join("\n")).toMatch(text);
    expect(t.rows).toEqual([]);
  });

  it.each([
    ["an unterminated string", `${p.transformKql} | where Username != "x`, /unterminated string/],
    ["an unbalanced bracket", `${p.transformKql} | extend X = tostring(Username`, /unclosed "\("/],
    ["two statements", `let x = 1; ${p.transformKql}`, /more than one statement/],
    ["an operator the monitor does not know", `${p.transformKql} | mv-expand Data`, /operator mv-expand/],
  ])("%s is unreadable", (_name, kql, text) => {
    expect(of(kql).unreadable.join("\n")).toMatch(text);
  });
});

describe("tokenise", () => {
  const texts = (kql: string) => {
    const t = tokenise(kql);
    if (!t.ok) throw new Error(t.error);
    return t.tokens.map((x) => x.text);
  };
  it.each<[string, string, string[]]>([
    ["a comment to the end of the line", "source // | where false\n| take 1", ["source", "|", "take", "1"]],
    ["// inside a string", `extend U = "https://x" // c`, ["extend", "U", "=", `"https://x"`]],
    [
      "an escaped quote",
      String.raw`where a == "x\" | where false"`,
      ["where", "a", "==", String.raw`"x\" | where false"`],
    ],
    ["a verbatim string with a doubled quote", `where a == @"C:\\x""y"`, ["where", "a", "==", `@"C:\\x""y"`]],
    ["a multi-line string", "print ```a\n| where false```", ["print", "```a\n| where false```"]],
    ["a negated operator", `where u !has "x"`, ["where", "u", "!has", `"x"`]],
    ["a datetime literal", "extend T = datetime(2001-01-01 10:00)", ["extend", "T", "=", "datetime(2001-01-01 10:00)"]],
    [
      "hyphenated operators, not subtraction",
      "project-away a | extend b = c-d",
      ["project-away", "a", "|", "extend", "b", "=", "c", "-", "d"],
    ],
  ])("reads %s", (_name, kql, tokens) => {
    expect(texts(kql)).toEqual(tokens);
  });

  it.each([
    [`where a == "x`, /unterminated string/],
    ["print ```x", /unterminated/],
    ["extend a = (b", /unclosed/],
    ["extend a = b)", /unbalanced/],
  ])("refuses %s", (kql, error) => {
    const t = tokenise(kql);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error).toMatch(error);
  });
});

import { inject, describe, expect, it } from "vitest";
import { RestError } from "@azure/core-rest-pipeline";
import { createTableClient } from "../../src/azure/tableStorage.js";
import type { TokenCredential } from "@azure/core-auth";

const noCredential: TokenCredential = {
  getToken: () => Promise.reject(new Error("no token needed for a connection string")),
};

describe("Table storage against Azurite", () => {
  it("creates a table, writes and reads an entity, and refuses a stale ETag", async () => {
    const client = createTableClient(
      { kind: "connectionString", connectionString: inject("tablesConnection") },
      noCredential,
      "smoketest",
    );
    await client.createTable();
    await client.upsertEntity({ partitionKey: "p", rowKey: "r", value: 1 }, "Replace");
    const first = await client.getEntity<{ value: number }>("p", "r");
    expect(first.value).toBe(1);
    await client.updateEntity({ partitionKey: "p", rowKey: "r", value: 2 }, "Replace", { etag: first.etag });
    const stale = client.updateEntity({ partitionKey: "p", rowKey: "r", value: 3 }, "Replace", { etag: first.etag });
    await expect(stale).rejects.toSatisfy((e: unknown) => e instanceof RestError && e.statusCode === 412);
  });
});

/**
 * Database errors worded as Convex words them (read in convex-backend, cited per case): wrong-table
 * ids, `withIndex` ranges, and patches that change `_id`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import type { Id } from "./fixtures/convex/_generated/dataModel";
import { fixtureBackend } from "./helpers";

const fixture = fixtureBackend();
let ada: Id<"contacts">;
let bob: Id<"contacts">;
beforeAll(async () => {
  ada = await fixture.http.mutation(api.contacts.add, { owner: "wording", name: "Ada", email: "a@x" });
  bob = await fixture.http.mutation(api.contacts.add, { owner: "wording", name: "Bob", email: "b@x" });
});

describe("error wording", () => {
  it("an id of another table than the one named (crates/isolate/src/environment/helpers/mod.rs, check_table_name)", async () => {
    await expect(fixture.http.query(api.fidelity.getAsLog, { id: ada })).rejects.toThrow(
      'Uncaught Error: Invalid argument `id` for `db.get`: expected to be an Id<"logs">, got Id<"contacts"> instead.',
    );
    await expect(fixture.http.mutation(api.fidelity.patchAsLog, { id: ada })).rejects.toThrow(
      'Uncaught Error: Invalid argument `id` for `db.patch`: expected to be an Id<"logs">, got Id<"contacts"> instead.',
    );
  });

  it("a patch that changes _id (crates/common/src/document.rs, ResolvedDocument::new)", async () => {
    await expect(fixture.http.mutation(api.fidelity.patchId, { id: ada, other: bob })).rejects.toThrow(
      `Uncaught Error: Provided document ID "${ada}" doesn't match '_id' field "${bob}"`,
    );
  });

  it("withIndex ranges Convex refuses (crates/common/src/query.rs, IndexRange::split/compile)", async () => {
    const fields = '["owner", "name", "_creationTime"]';
    await expect(fixture.http.query(api.fidelity.badRange, { kind: "order" })).rejects.toThrow(
      `Uncaught Error: Tried to query index contacts.by_owner_name but the query didn't use the index fields in order.\nIndex fields: ${fields}\nQuery fields: ["name"]\nFirst incorrect field: "name"\nFor more information see https://docs.convex.dev/using/indexes.`,
    );
    await expect(fixture.http.query(api.fidelity.badRange, { kind: "notIndexed" })).rejects.toThrow(
      `Uncaught Error: The index range included a comparison with "email", but contacts.by_owner_name with fields ${fields} doesn't index this field. For more information see https://docs.convex.dev/using/indexes.`,
    );
    await expect(fixture.http.query(api.fidelity.badRange, { kind: "twoFields" })).rejects.toThrow(
      'Uncaught Error: Upper and lower bounds in `range` can only be applied to a single index field. This query against index contacts.by_owner_name attempted to set a range bound on both "owner" and "name". Consider using `filter` instead. See https://docs.convex.dev/using/indexes for more info.',
    );
    await expect(fixture.http.query(api.fidelity.badRange, { kind: "twoLower" })).rejects.toThrow(
      'Uncaught Error: Already defined lower bound in index range. Can\'t add "name" > "b".',
    );
    await expect(fixture.http.query(api.fidelity.badRange, { kind: "eqTwice" })).rejects.toThrow(
      'Uncaught Error: Already defined equality bound in index range. Can\'t add "owner" == "o".',
    );
  });

  it("accepts equalities in any order, as Convex sorts them by the index's fields", async () => {
    expect(await fixture.http.query(api.fidelity.eqOutOfOrder, { owner: "wording", name: "Bob" })).toEqual(["Bob"]);
  });
});

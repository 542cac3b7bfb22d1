/**
 * Hole: a component's tables are stored as `<component>/<table>`, and functions name tables in
 * strings, so an app function could read a component's documents (or a component the app's) by
 * naming its table so: `ctx.db.query("vecs/items")` listed them, and `ctx.vectorSearch` found
 * their ids and how close they lie. A function reaches only the tables of its own component: a
 * table name with a `/` is refused (by vector search as Convex refuses an index name that is
 * not two identifiers).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackend, type TestBackend } from "../backend/helpers";

// Inside the project (git-ignored .local/) so the functions resolve node_modules.
const LOCAL = fileURLToPath(new URL("../../.local", import.meta.url));

const SCHEMA = `import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  items: defineTable({ embedding: v.array(v.float64()) }).vectorIndex("by_embedding", { vectorField: "embedding", dimensions: 2 }),
});
`;

/** The same module in the app and in the component: each inserts into, and searches, "its" items. */
const ITEMS = `import { actionGeneric, mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";
export const insert = mutationGeneric({
  args: { embedding: v.array(v.float64()) },
  handler: async (ctx, { embedding }) => await ctx.db.insert("items", { embedding }),
});
export const list = queryGeneric({
  args: { table: v.string() },
  handler: async (ctx, { table }) => await ctx.db.query(table).collect(),
});
export const search = actionGeneric({
  args: { table: v.string() },
  handler: async (ctx, { table }) => await ctx.vectorSearch(table, "by_embedding", { vector: [1, 0] }),
});
`;

const FILES: Record<string, string> = {
  "convex/convex.config.ts": `import { defineApp } from "convex/server";
import vecs from "../vecs/convex.config";
const app = defineApp();
app.use(vecs);
export default app;
`,
  "convex/schema.ts": SCHEMA,
  "convex/items.ts": `${ITEMS}
import { componentsGeneric } from "convex/server";
const components = componentsGeneric() as unknown as { vecs: { items: { insert: any; search: any } } };
export const insertInComponent = actionGeneric({
  args: { embedding: v.array(v.float64()) },
  handler: async (ctx, args) => await ctx.runMutation(components.vecs.items.insert, args),
});
export const searchInComponent = actionGeneric({
  args: { table: v.string() },
  handler: async (ctx, args) => await ctx.runAction(components.vecs.items.search, args),
});
`,
  "vecs/convex.config.ts": `import { defineComponent } from "convex/server";
export default defineComponent("vecs");
`,
  "vecs/schema.ts": SCHEMA,
  "vecs/items.ts": ITEMS,
};

type Hit = { _id: string; _score: number };
const insert = makeFunctionReference<"mutation", { embedding: number[] }, string>("items:insert");
const insertInComponent = makeFunctionReference<"action", { embedding: number[] }, string>("items:insertInComponent");
const list = makeFunctionReference<"query", { table: string }, { _id: string }[]>("items:list");
const search = makeFunctionReference<"action", { table: string }, Hit[]>("items:search");
const searchInComponent = makeFunctionReference<"action", { table: string }, Hit[]>("items:searchInComponent");

let root: string;
let backend: TestBackend;
let http: ConvexHttpClient;
let appItem: string;
let componentItem: string;

beforeAll(async () => {
  await mkdir(LOCAL, { recursive: true });
  root = await mkdtemp(join(LOCAL, "vector-namespaces-"));
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
  }
  backend = await startTestBackend({ functionsDir: join(root, "convex"), dataDir: join(root, "data") });
  http = new ConvexHttpClient(backend.url);
  appItem = await http.mutation(insert, { embedding: [1, 0] });
  componentItem = await http.action(insertInComponent, { embedding: [0, 1] });
});

afterAll(async () => {
  await backend?.destroy();
  await rm(root, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<string> {
  return await promise.then(
    () => "no error",
    (error: Error) => error.message,
  );
}

describe("a table of another component's namespace", () => {
  const invalid = (name: string) =>
    `Invalid table name: "${name}". Identifiers must start with a letter and can only contain letters, digits, and underscores.`;

  it("each function reads and searches its own component's table of that name", async () => {
    expect((await http.query(list, { table: "items" })).map((doc) => doc._id)).toEqual([appItem]);
    expect(await http.action(search, { table: "items" })).toEqual([{ _id: appItem, _score: 1 }]);
    expect(await http.action(searchInComponent, { table: "items" })).toEqual([{ _id: componentItem, _score: 0 }]);
  });

  it("cannot be read by naming it <component>/<table>", async () => {
    expect(await errorOf(http.query(list, { table: "vecs/items" }))).toContain(
      'Uncaught Error: Invalid table name: "vecs/items"',
    );
  });

  it("cannot be searched by naming it so, nor the app's from a component", async () => {
    expect(await errorOf(http.action(search, { table: "vecs/items" }))).toContain(invalid("vecs/items"));
    expect(await errorOf(http.action(searchInComponent, { table: "/items" }))).toContain(invalid("/items"));
    expect(await errorOf(http.action(searchInComponent, { table: "../items" }))).toContain(invalid(""));
  });
});

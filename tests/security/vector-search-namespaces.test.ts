/**
 * Hole: a vector search names its table in a string, and a component's tables are stored as
 * `<component>/<table>`, so an app function could search a component's table (or a component
 * another's, or the app's) by naming it so, and learn its ids and how close they lie. A search
 * reaches only the tables of the searching function's own component: a `/` in the table name
 * is refused as Convex refuses any name that is no identifier.
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
const ITEMS = `import { actionGeneric, mutationGeneric } from "convex/server";
import { v } from "convex/values";
export const insert = mutationGeneric({
  args: { embedding: v.array(v.float64()) },
  handler: async (ctx, { embedding }) => await ctx.db.insert("items", { embedding }),
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

describe("vector search across component namespaces", () => {
  it("each function searches its own component's table of that name", async () => {
    expect(await http.action(search, { table: "items" })).toEqual([{ _id: appItem, _score: 1 }]);
    expect(await http.action(searchInComponent, { table: "items" })).toEqual([{ _id: componentItem, _score: 0 }]);
  });

  it("a table of another namespace cannot be named", async () => {
    const invalid = (name: string) =>
      `Invalid table name: "${name}". Identifiers must start with a letter and can only contain letters, digits, and underscores.`;
    expect(await errorOf(http.action(search, { table: "vecs/items" }))).toContain(invalid("vecs/items"));
    // Nor can a component reach up to the app's tables.
    expect(await errorOf(http.action(searchInComponent, { table: "/items" }))).toContain(invalid("/items"));
    expect(await errorOf(http.action(searchInComponent, { table: "../items" }))).toContain(invalid(""));
  });
});

/**
 * A schema with names Convex refuses at push is refused when the functions load, with Convex's
 * message (convex-backend crates/common/src/bootstrap_model/index/index_validation_error.rs,
 * crates/convex/sync_types/src/identifier.rs), and the backend does not start half-way.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startTestBackend } from "./helpers";

// Inside the project (git-ignored .local/) so the schema resolves node_modules.
const LOCAL = fileURLToPath(new URL("../../.local", import.meta.url));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function startWithSchema(tables: string): Promise<unknown> {
  await mkdir(LOCAL, { recursive: true });
  const root = await mkdtemp(join(LOCAL, "schema-names-"));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const functionsDir = join(root, "convex");
  await mkdir(functionsDir);
  await writeFile(
    join(functionsDir, "schema.ts"),
    `import { defineSchema, defineTable } from "convex/server";\nimport { v } from "convex/values";\nexport default defineSchema({ ${tables} });\n`,
  );
  const dataDir = join(root, "data");
  try {
    const backend = await startTestBackend({ functionsDir, dataDir });
    await backend.destroy();
    return "started";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("schema names Convex refuses", () => {
  it("table names", async () => {
    expect(await startWithSchema(`"a-b": defineTable({ x: v.string() })`)).toBe(
      'InvalidTableName: Invalid table name: "a-b". Identifiers must start with a letter and can only contain letters, digits, and underscores.',
    );
    expect(await startWithSchema(`_a: defineTable({ x: v.string() })`)).toBe("TableNameReserved: _a is a reserved table name.");
  });

  it("field names, also nested", async () => {
    expect(await startWithSchema(`t: defineTable({ "a-b": v.string() })`)).toBe(
      "Identifier a-b has invalid character '-': Identifiers can only contain alphanumeric characters or underscores",
    );
    expect(await startWithSchema(`t: defineTable({ outer: v.object({ "1x": v.string() }) })`)).toBe(
      "Invalid validator for key `outer`: Invalid first character '1' in 1x: Identifiers must start with an alphabetic character or underscore",
    );
  });

  it("index names and index fields", async () => {
    expect(await startWithSchema(`t: defineTable({ x: v.string() }).index("a-b", ["x"])`)).toBe(
      'InvalidIndexName: Invalid index name: "a-b". Identifiers must be 64 characters or less, start with a letter, and only contain letters, digits, underscores.',
    );
    expect(await startWithSchema(`t: defineTable({ x: v.string() }).index("_a", ["x"])`)).toBe(
      'IndexNameReserved: In table "t" cannot name an index "_a" because the name is reserved. Indexes may not start with an underscore or be named "by_id" or "by_creation_time".',
    );
    expect(await startWithSchema(`t: defineTable({ x: v.string() }).index("by_x", ["x", "_creationTime"])`)).toMatch(
      /^IndexFieldsContainCreationTime: `_creationTime` is automatically added to the end of each index\./,
    );
  });

  it("a schema with valid names starts", async () => {
    expect(
      await startWithSchema(`t_1: defineTable({ x: v.string(), _private: v.optional(v.string()) }).index("by_x", ["x"])`),
    ).toBe("started");
  });
});

/**
 * Runs the data migrations against a deployment with its admin key, batch by batch, until
 * nothing is left. `npm start` calls it once the local backend is up and before serving, so
 * no page ever sees pre-migration data. Safe to run any number of times.
 */
import { ConvexHttpClient } from "convex/browser";
import { type FunctionReference, getFunctionName, makeFunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";

type Migration = FunctionReference<"mutation", "internal", { batchSize?: number }, { migrated: number; done: boolean }>;

/** In order: each may rely on the ones before it having finished. */
const MIGRATIONS = {
  customersToWorkspaces: { ref: internal.migrations.customersToWorkspaces, batchSize: 1000 },
  customersBackfill: { ref: internal.migrations.customersBackfill, batchSize: 500 },
} satisfies Record<string, { ref: Migration; batchSize: number }>;

export type MigrationCounts = Record<keyof typeof MIGRATIONS, number>;

export async function runMigrations(url: string, adminKey: string): Promise<MigrationCounts> {
  const client = new ConvexHttpClient(url);
  // setAdminAuth is what the Convex CLI uses; the published types mark it internal.
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(adminKey);
  const counts = {} as MigrationCounts;
  for (const [name, { ref, batchSize }] of Object.entries(MIGRATIONS) as [
    keyof typeof MIGRATIONS,
    (typeof MIGRATIONS)[keyof typeof MIGRATIONS],
  ][]) {
    // The admin key may call internal functions; the HTTP client's types only know public ones.
    const migration = makeFunctionReference<"mutation", { batchSize?: number }, { migrated: number; done: boolean }>(
      getFunctionName(ref),
    );
    counts[name] = 0;
    for (;;) {
      const result = await client.mutation(migration, { batchSize });
      counts[name] += result.migrated;
      if (result.done) break;
    }
  }
  return counts;
}

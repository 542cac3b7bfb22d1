/**
 * Runs the data migrations against a deployment with its admin key, batch by batch, until
 * nothing is left. `npm start` calls it once the local backend is up and before serving, so
 * no page ever sees pre-migration data. Safe to run any number of times.
 */
import { ConvexHttpClient } from "convex/browser";
import { getFunctionName, makeFunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";

// The admin key may call internal functions; the HTTP client's types only know public ones.
const customersToWorkspaces = makeFunctionReference<"mutation", { batchSize?: number }, { migrated: number; done: boolean }>(
  getFunctionName(internal.migrations.customersToWorkspaces),
);

export async function runMigrations(url: string, adminKey: string): Promise<{ customersToWorkspaces: number }> {
  const client = new ConvexHttpClient(url);
  // setAdminAuth is what the Convex CLI uses; the published types mark it internal.
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(adminKey);
  let migrated = 0;
  for (;;) {
    const result = await client.mutation(customersToWorkspaces, { batchSize: 1000 });
    migrated += result.migrated;
    if (result.done) return { customersToWorkspaces: migrated };
  }
}

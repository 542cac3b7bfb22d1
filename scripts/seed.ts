/**
 * `npm run seed -- --email <e> --count <n>`: adds n realistic fake customers for that local user,
 * through the public `customers:createMany` mutation, as that user (a token from the local
 * identity provider), in batches sent a few at a time.
 */
import { parseArgs } from "node:util";
import { faker } from "@faker-js/faker";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import { MAX_BATCH } from "../convex/customers";
import { CUSTOMER_STATUSES } from "../convex/lib/customerFields";
import type { CustomerInput } from "../convex/lib/customerRules";
import { emailSchema } from "../app/auth/email";
import { loadLocalIdentityProvider } from "../app/auth/local/identity-provider.server";
import { configOrExit } from "./lib/config";

const USAGE = "Usage: npm run seed -- --email <email> --count <n>   (n between 1 and 1000000)";
const IN_FLIGHT = 4;

function fail(message: string): never {
  console.error(`[clientele] ${message}\n${USAGE}`);
  process.exit(1);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: { email: { type: "string" }, count: { type: "string" } }, strict: true }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const email = emailSchema.safeParse(values.email ?? "");
  if (!email.success) fail(`--email ${JSON.stringify(values.email ?? "")}: ${email.error.issues[0]?.message}`);
  const count = Number(values.count);
  if (!values.count || !Number.isInteger(count) || count < 1 || count > 1_000_000) {
    fail(`--count ${JSON.stringify(values.count ?? "")}: expected a whole number between 1 and 1000000`);
  }
  return { email: email.data, count };
}

export function fakeCustomer(): CustomerInput {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  const company = faker.helpers.maybe(() => faker.company.name(), { probability: 0.8 });
  return {
    name: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName }).toLowerCase(),
    company,
    phone: faker.helpers.maybe(() => faker.phone.number({ style: "international" }), { probability: 0.7 }),
    status: faker.helpers.weightedArrayElement([
      { weight: 3, value: CUSTOMER_STATUSES[0] },
      { weight: 5, value: CUSTOMER_STATUSES[1] },
      { weight: 2, value: CUSTOMER_STATUSES[2] },
    ]),
    notes: faker.helpers.maybe(() => faker.lorem.sentences({ min: 1, max: 3 }), { probability: 0.3 }),
  };
}

async function main() {
  const { email, count } = parseOptions();
  const config = configOrExit();
  if (config.auth.mode !== "local") fail("Seeding acts as a local user; it is not available with Clerk configured.");
  const provider = await loadLocalIdentityProvider(config.auth.keysDir);
  const client = new ConvexHttpClient(config.convex.url);
  client.setAuth(await provider.mintConvexToken({ email }, { ttlSeconds: 3600 }));

  const started = performance.now();
  let sent = 0;
  let done = 0;
  async function worker() {
    while (sent < count) {
      const size = Math.min(MAX_BATCH, count - sent);
      sent += size;
      await client.mutation(api.customers.createMany, { customers: Array.from({ length: size }, fakeCustomer) });
      done += size;
      if (count >= 10_000 && done % 10_000 < size) console.log(`[clientele] seeded ${done}/${count}`);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(`[clientele] Added ${count} customers for ${email} in ${seconds.toFixed(1)} s (${config.convex.url}).`);
}

await main().catch((error: unknown) => {
  console.error(`[clientele] Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * `npm run seed -- --email <e> --count <n>`: adds n realistic fake customers for that local user,
 * through the public `customers:createMany` mutation, as that user (a token from the local
 * identity provider), in batches sent a few at a time.
 *
 * `--team "<name>" --members a@x,b@y`: the user's team of that name (created unless they already
 * admin one), with each member invited and accepting as themselves, through the public
 * `workspaces:*` functions; `--count` customers then go into the team.
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

const USAGE = `Usage: npm run seed -- --email <email> --count <n>   (n between 1 and 1000000)
       npm run seed -- --email <email> --team "<name>" [--members <email>,<email>…] [--count <n>]`;
const IN_FLIGHT = 4;

function fail(message: string): never {
  console.error(`[clientele] ${message}\n${USAGE}`);
  process.exit(1);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { email: { type: "string" }, count: { type: "string" }, team: { type: "string" }, members: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const email = validEmail("--email", values.email ?? "");
  const team = values.team?.trim();
  if (values.team !== undefined && !team) fail("--team: expected a team name");
  if (values.members !== undefined && !team) fail("--members needs --team");
  const members = (values.members ?? "")
    .split(",")
    .map((member) => member.trim())
    .filter(Boolean)
    .map((member) => validEmail("--members", member));
  // With --team, customers are optional: the team alone is a useful demo.
  const count = values.count === undefined && team ? 0 : Number(values.count);
  if ((values.count !== undefined || !team) && (!Number.isInteger(count) || count < 1 || count > 1_000_000)) {
    fail(`--count ${JSON.stringify(values.count ?? "")}: expected a whole number between 1 and 1000000`);
  }
  return { email, count, team, members };
}

function validEmail(option: string, value: string): string {
  const email = emailSchema.safeParse(value);
  if (!email.success) fail(`${option} ${JSON.stringify(value)}: ${email.error.issues[0]?.message}`);
  return email.data;
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

/** The admin's team of that name (created if they admin none), with every member in it. */
async function seedTeam(as: (email: string) => Promise<ConvexHttpClient>, admin: string, name: string, members: string[]) {
  const client = await as(admin);
  const existing = (await client.query(api.workspaces.list, {})).find(
    (workspace) => workspace.kind === "team" && workspace.role === "admin" && workspace.name === name,
  );
  const workspaceId = existing?._id ?? (await client.mutation(api.workspaces.create, { name }));
  const current = new Set((await client.query(api.workspaces.members, { workspaceId })).map((member) => member.email));
  for (const member of members) {
    if (current.has(member)) continue;
    const invitationId = await client.mutation(api.workspaces.invite, { workspaceId, email: member, role: "member" });
    await (await as(member)).mutation(api.workspaces.acceptInvitation, { invitationId });
  }
  console.log(`[clientele] Team "${name}": ${[admin, ...members].join(", ")} (admin: ${admin}).`);
  return workspaceId;
}

async function main() {
  const { email, count, team, members } = parseOptions();
  const config = configOrExit();
  if (config.auth.mode !== "local") fail("Seeding acts as a local user; it is not available with Clerk configured.");
  const provider = await loadLocalIdentityProvider(config.auth.keysDir);
  const as = async (user: string) => {
    const userClient = new ConvexHttpClient(config.convex.url);
    userClient.setAuth(await provider.mintConvexToken({ email: user }, { ttlSeconds: 3600 }));
    return userClient;
  };
  const client = await as(email);
  const workspaceId = team ? await seedTeam(as, email, team, members) : undefined;
  const into = workspaceId ? { workspaceId } : {};

  const started = performance.now();
  let sent = 0;
  let done = 0;
  async function worker() {
    while (sent < count) {
      const size = Math.min(MAX_BATCH, count - sent);
      sent += size;
      await client.mutation(api.customers.createMany, { ...into, customers: Array.from({ length: size }, fakeCustomer) });
      done += size;
      if (count >= 10_000 && done % 10_000 < size) console.log(`[clientele] seeded ${done}/${count}`);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (count > 0) {
    const where = team ? `team "${team}"` : email;
    console.log(`[clientele] Added ${count} customers for ${where} in ${seconds.toFixed(1)} s (${config.convex.url}).`);
  }
}

await main().catch((error: unknown) => {
  console.error(`[clientele] Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

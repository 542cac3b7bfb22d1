/**
 * `npm run --silent token -- <email>`: prints a Convex JWT for that local user, which the local
 * backend accepts (e.g. `npx convex run`-style scripts, curl, or ConvexHttpClient.setAuth).
 */
import { emailSchema } from "../app/auth/email";
import { loadLocalIdentityProvider } from "../app/auth/local/identity-provider.server";
import { configOrExit } from "./lib/config";

const config = configOrExit();
const [email, ...extra] = process.argv.slice(2);
if (!email || extra.length > 0) {
  console.error("Usage: npm run --silent token -- <email>");
  process.exit(1);
}
const parsed = emailSchema.safeParse(email);
if (!parsed.success) {
  console.error(`[clientele] ${JSON.stringify(email)}: ${parsed.error.issues[0]?.message ?? "not an email address"}`);
  process.exit(1);
}
if (config.auth.mode !== "local") {
  console.error("[clientele] Clerk is configured: tokens come from Clerk, not the local identity provider.");
  process.exit(1);
}
const provider = await loadLocalIdentityProvider(config.auth.keysDir);
process.stdout.write(`${await provider.mintConvexToken({ email: parsed.data }, { ttlSeconds: config.auth.tokenTtlSeconds })}\n`);

/**
 * `npm run backend`: the local Convex-compatible backend on LOCAL_BACKEND_PORT (HTTP actions on
 * LOCAL_BACKEND_SITE_PORT), persisting in LOCAL_BACKEND_DATA_DIR, running the functions in
 * convex/. `--watch` reloads them on change.
 */
import { clerkIssuerFromPublishableKey } from "../app.config";
import { loadLocalIdentityProvider } from "../app/auth/local/identity-provider.server";
import { runLocalBackendProcess } from "../local-backend/main";
import { configOrExit } from "./lib/config";

const config = configOrExit();

/**
 * The deployment's environment: what convex/ functions and auth.config.ts see as process.env.
 * In local mode it trusts the local identity provider's key, so its tokens verify with nothing
 * else running.
 */
const deploymentEnv: Record<string, string> = {};
if (config.auth.mode === "local") {
  const provider = await loadLocalIdentityProvider(config.auth.keysDir);
  deploymentEnv.LOCAL_AUTH_ISSUER = provider.issuer;
  deploymentEnv.LOCAL_AUTH_JWKS = provider.jwksDataUri;
} else {
  // Clerk mode on the local backend: trust the Clerk instance the publishable key names, as a
  // cloud deployment does with CLERK_JWT_ISSUER_DOMAIN set (convex/auth.config.ts).
  deploymentEnv.CLERK_JWT_ISSUER_DOMAIN = clerkIssuerFromPublishableKey(config.auth.publishableKey);
}

await runLocalBackendProcess({
  port: config.localBackend.port,
  sitePort: config.localBackend.sitePort,
  // Loopback unless HOST serves other machines, whose browsers then reach it too (app.config.ts).
  host: config.localBackend.host,
  dataDir: config.localBackend.dataDir,
  functionsDir: "convex",
  env: deploymentEnv,
  watch: process.argv.includes("--watch"),
});

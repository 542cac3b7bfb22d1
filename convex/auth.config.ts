import type { AuthConfig, AuthProvider } from "convex/server";

// Both providers are configured through the deployment's environment variables:
// - Clerk (production): CLERK_JWT_ISSUER_DOMAIN is the Clerk Frontend API URL
//   (https://<instance>.clerk.accounts.dev), whose tokens use the "convex" JWT template.
// - The local identity provider (the offline default): LOCAL_AUTH_ISSUER and LOCAL_AUTH_JWKS
//   (a data: URI of its public key set), which `npm start` / `npm run backend` set on the
//   local backend. A cloud deployment leaves them unset, so local tokens are never accepted there.
const clerkDomain = process.env.CLERK_JWT_ISSUER_DOMAIN;
const localIssuer = process.env.LOCAL_AUTH_ISSUER;
const localJwks = process.env.LOCAL_AUTH_JWKS;

const providers: AuthProvider[] = [];
if (clerkDomain) {
  providers.push({ domain: clerkDomain, applicationID: "convex" });
}
if (localIssuer && localJwks) {
  providers.push({
    type: "customJwt",
    issuer: localIssuer,
    jwks: localJwks,
    algorithm: "RS256",
    applicationID: "convex",
  });
}

export default { providers } satisfies AuthConfig;

/**
 * The one configuration of Clientele: every setting the app, the scripts and the local
 * backend read, parsed from the environment once and validated with zod. Nothing else in the
 * code reads `process.env` (Convex functions excepted: they run inside a deployment, whose
 * environment is the deployment's own).
 *
 * | variable                 | default              | meaning                                                        |
 * |--------------------------|----------------------|----------------------------------------------------------------|
 * | NODE_ENV                 | development          | `npm start` sets `production`: Secure cookies, React prod SSR  |
 * | HOST                     | 127.0.0.1            | interface the app server listens on (0.0.0.0 in a container)   |
 * | LOCAL_AUTH_ALLOW_REMOTE  | 0                    | 1: allow local sign-in (no password) on a non-loopback HOST    |
 * | LOCAL_BACKEND_PUBLIC_URL | (derived from HOST)  | embedded backend's URL for browsers when HOST is not loopback  |
 * | PORT                     | 3000                 | port of the app server                                         |
 * | VITE_CONVEX_URL          | (local backend)      | Convex deployment URL; CONVEX_URL is accepted too              |
 * | VITE_CONVEX_SITE_URL     | (from the Convex URL)| where it serves HTTP actions; CONVEX_SITE_URL is accepted too  |
 * | LOCAL_BACKEND_PORT       | 3210                 | port of the embedded local backend                             |
 * | LOCAL_BACKEND_SITE_PORT  | LOCAL_BACKEND_PORT+1 | its site port: HTTP actions (convex/http.ts), CONVEX_SITE_URL  |
 * | LOCAL_BACKEND_DATA_DIR   | .local/data          | where the local backend persists its data                      |
 * | LOCAL_AUTH_KEYS_DIR      | .local/keys          | key pair of the local identity provider (never in git)         |
 * | LOCAL_AUTH_TOKEN_TTL     | 3600                 | lifetime in seconds of the local provider's Convex tokens      |
 * | LOCAL_AUTH_SESSION_TTL   | 604800               | idle lifetime in seconds of a local sign-in (sliding)          |
 * | CLERK_PUBLISHABLE_KEY    | (unset)              | with CLERK_SECRET_KEY: use Clerk instead of local sign-in      |
 * | CLERK_SECRET_KEY         | (unset)              | Clerk secret key                                               |
 * | CLERK_JWT_TEMPLATE       | convex               | Clerk JWT template for Convex; `none` = native integration     |
 * | PRELOAD                  | intent               | router `defaultPreload`: `intent`, or `off` for comparisons    |
 *
 * The Convex URL and the auth mode are runtime settings: the server hands the browser its
 * public part (see `publicConfig`), so one build runs against any backend.
 */
import { z } from "zod";

const DEFAULT_LOCAL_BACKEND_PORT = 3210;

const portNumber = z.coerce
  .number({ error: "expected a port number" })
  .int("expected a whole number")
  .min(1, "expected a port between 1 and 65535")
  .max(65535, "expected a port between 1 and 65535");

const port = (fallback: number) => portNumber.default(fallback);

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const httpUrl = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://happy-otter-123.convex.cloud" })
  .transform((value) => value.replace(/\/+$/, ""));

/** An explicit yes or no: "1"/"true" or "0"/"false" (unset means no). */
const flag = z
  .enum(["1", "0", "true", "false"], { error: "expected 1 or 0" })
  .default("0")
  .transform((value) => value === "1" || value === "true");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PORT: port(3000),
  VITE_CONVEX_URL: optionalText.pipe(httpUrl.optional()),
  CONVEX_URL: optionalText.pipe(httpUrl.optional()),
  VITE_CONVEX_SITE_URL: optionalText.pipe(httpUrl.optional()),
  CONVEX_SITE_URL: optionalText.pipe(httpUrl.optional()),
  LOCAL_BACKEND_PORT: port(DEFAULT_LOCAL_BACKEND_PORT),
  // Unset: the port after LOCAL_BACKEND_PORT, as Convex's 3210 and 3211 (parseConfig).
  LOCAL_BACKEND_SITE_PORT: z.preprocess((value) => (value === "" ? undefined : value), portNumber.optional()),
  LOCAL_BACKEND_PUBLIC_URL: optionalText.pipe(httpUrl.optional()),
  LOCAL_BACKEND_DATA_DIR: z.string().trim().min(1).default(".local/data"),
  LOCAL_AUTH_ALLOW_REMOTE: flag,
  LOCAL_AUTH_KEYS_DIR: z.string().trim().min(1).default(".local/keys"),
  LOCAL_AUTH_TOKEN_TTL: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    // The Convex client refreshes a token 10 s before it expires; shorter lifetimes would loop.
    .min(20, "expected at least 20 seconds")
    .max(86_400, "expected at most 86400 seconds (a day)")
    .default(3600),
  LOCAL_AUTH_SESSION_TTL: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(300, "expected at least 300 seconds (5 minutes)")
    .max(2_592_000, "expected at most 2592000 seconds (30 days)")
    .default(604_800),
  CLERK_PUBLISHABLE_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^pk_(test|live)_[A-Za-z0-9+/=_-]+$/, "expected a Clerk publishable key (pk_test_… or pk_live_…)")
      .optional(),
  ),
  CLERK_SECRET_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^sk_(test|live)_\S+$/, "expected a Clerk secret key (sk_test_… or sk_live_…)")
      .optional(),
  ),
  CLERK_JWT_TEMPLATE: z.string().trim().min(1).default("convex"),
  PRELOAD: z.enum(["intent", "off"]).default("intent"),
});

type Env = z.infer<typeof envSchema>;

export type AuthConfig =
  | {
      mode: "local";
      keysDir: string;
      tokenTtlSeconds: number;
      /** A session ends after this long without use; each use moves the end on (sliding). */
      sessionTtlSeconds: number;
    }
  | {
      mode: "clerk";
      publishableKey: string;
      secretKey: string;
      /** `null`: use the session token of Clerk's native Convex integration. */
      jwtTemplate: string | null;
    };

export interface AppConfig {
  env: Env["NODE_ENV"];
  isProduction: boolean;
  host: string;
  port: number;
  convex: {
    url: string;
    /** Where the deployment serves HTTP actions (convex/http.ts): web-to-lead's URL starts with it. */
    siteUrl: string;
    /** True when no Convex URL is configured and the embedded local backend serves `url`. */
    local: boolean;
  };
  /**
   * `host`: the interface the embedded backend listens on (HOST when that is not loopback);
   * `sitePort`: where it serves HTTP actions (its site URL).
   */
  localBackend: { port: number; sitePort: number; dataDir: string; host: string };
  auth: AuthConfig;
  preload: "intent" | false;
}

/** The part of the configuration the browser may see; the server embeds it in each page. */
export interface PublicConfig {
  convexUrl: string;
  convexSiteUrl: string;
  authMode: AuthConfig["mode"];
  clerkPublishableKey: string | null;
  preload: AppConfig["preload"];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Whether a host name or address only reaches this machine (`[::1]` as in URLs, too). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return bare === "localhost" || bare.endsWith(".localhost") || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** Listens on every interface: which address browsers use cannot be known from it. */
function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

function invalid(line: string): ConfigError {
  return new ConfigError(`Invalid configuration:\n  ${line}`);
}

/**
 * The Convex URL browsers get, and where the embedded backend listens. On loopback both stay on
 * 127.0.0.1. On any other HOST, browsers run on other machines, where 127.0.0.1 is themselves:
 * the URL must name this machine as they reach it (HOST itself, or LOCAL_BACKEND_PUBLIC_URL when
 * HOST listens on every interface), and the embedded backend listens on HOST as the app does.
 */
function convexEndpoints(env: Env): { convex: Omit<AppConfig["convex"], "siteUrl">; backendHost: string } {
  const configuredUrl = env.VITE_CONVEX_URL ?? env.CONVEX_URL;
  const remote = !isLoopbackHost(env.HOST);
  if (configuredUrl !== undefined) {
    if (remote && isLoopbackHost(new URL(configuredUrl).hostname)) {
      const name = env.VITE_CONVEX_URL !== undefined ? "VITE_CONVEX_URL" : "CONVEX_URL";
      throw invalid(
        `${name}=${JSON.stringify(configuredUrl)}: browsers on other machines cannot reach a loopback Convex URL while HOST=${JSON.stringify(env.HOST)} serves them; give the address they use`,
      );
    }
    return { convex: { url: configuredUrl, local: false }, backendHost: "127.0.0.1" };
  }
  if (!remote) return { convex: { url: `http://127.0.0.1:${env.LOCAL_BACKEND_PORT}`, local: true }, backendHost: "127.0.0.1" };
  let url = env.LOCAL_BACKEND_PUBLIC_URL;
  if (url === undefined) {
    if (isWildcardHost(env.HOST)) {
      throw invalid(
        `LOCAL_BACKEND_PUBLIC_URL is not set but HOST=${JSON.stringify(env.HOST)} listens on every interface: set it to the local backend's URL as browsers reach it (e.g. http://192.168.1.20:${env.LOCAL_BACKEND_PORT})`,
      );
    }
    url = `http://${env.HOST.includes(":") && !env.HOST.startsWith("[") ? `[${env.HOST}]` : env.HOST}:${env.LOCAL_BACKEND_PORT}`;
  } else if (isLoopbackHost(new URL(url).hostname)) {
    throw invalid(
      `LOCAL_BACKEND_PUBLIC_URL=${JSON.stringify(url)}: browsers on other machines cannot reach a loopback URL while HOST=${JSON.stringify(env.HOST)} serves them`,
    );
  }
  return { convex: { url, local: true }, backendHost: env.HOST };
}

/**
 * Where the deployment serves HTTP actions, unless VITE_CONVEX_SITE_URL / CONVEX_SITE_URL says:
 * named as Convex names it, `https://<name>.convex.cloud` → `https://<name>.convex.site`; a local
 * or self-hosted Convex on a port serves them on the next one (3210 → 3211); the embedded backend
 * on its site port, at the address browsers reach it by.
 */
function siteUrlOf(env: Env, convex: Omit<AppConfig["convex"], "siteUrl">, sitePort: number): string {
  const configured = env.VITE_CONVEX_SITE_URL ?? env.CONVEX_SITE_URL;
  if (configured !== undefined) return configured;
  const url = new URL(convex.url);
  if (convex.local) {
    url.port = String(sitePort);
  } else if (url.hostname.endsWith(".convex.cloud")) {
    url.hostname = url.hostname.replace(/\.convex\.cloud$/, ".convex.site");
  } else if (url.port !== "") {
    url.port = String(Number(url.port) + 1);
  } else {
    const name = env.VITE_CONVEX_URL !== undefined ? "VITE_CONVEX_URL" : "CONVEX_URL";
    throw invalid(
      `CONVEX_SITE_URL is not set and ${name}=${JSON.stringify(convex.url)} does not say where the deployment serves HTTP actions (not *.convex.cloud, no port): set CONVEX_SITE_URL`,
    );
  }
  return url.href.replace(/\/$/, "");
}

/** Parses and validates a configuration; throws a `ConfigError` naming each bad setting. */
export function parseConfig(source: Record<string, string | undefined>): AppConfig {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "configuration");
      const given = source[name];
      const allowed = issue.code === "invalid_value" ? `; allowed: ${issue.values.map(String).join(", ")}` : "";
      return `  ${name}=${JSON.stringify(given ?? "")}: ${issue.message}${allowed}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;

  const hasPublishable = env.CLERK_PUBLISHABLE_KEY !== undefined;
  const hasSecret = env.CLERK_SECRET_KEY !== undefined;
  if (hasPublishable !== hasSecret) {
    const [set, missing] = hasPublishable
      ? ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]
      : ["CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY"];
    throw new ConfigError(
      `Invalid configuration:\n  ${missing} is not set but ${set} is: set both to use Clerk, or neither for local sign-in`,
    );
  }

  if (env.LOCAL_AUTH_SESSION_TTL < env.LOCAL_AUTH_TOKEN_TTL) {
    throw invalid(
      `LOCAL_AUTH_SESSION_TTL=${JSON.stringify(source.LOCAL_AUTH_SESSION_TTL ?? "")}: expected at least LOCAL_AUTH_TOKEN_TTL (${env.LOCAL_AUTH_TOKEN_TTL} seconds), or a session's Convex token would outlive the session`,
    );
  }

  // Both keys or neither (checked above): local sign-in is the mode without them.
  if (!hasPublishable && !isLoopbackHost(env.HOST) && !env.LOCAL_AUTH_ALLOW_REMOTE) {
    throw invalid(
      `HOST=${JSON.stringify(env.HOST)} with local sign-in: anyone who can reach this address could sign in as any email, with no password. ` +
        "Keep HOST on loopback (127.0.0.1), configure Clerk (CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY), " +
        "or set LOCAL_AUTH_ALLOW_REMOTE=1 to accept that on a network you trust",
    );
  }

  const sitePort = env.LOCAL_BACKEND_SITE_PORT ?? env.LOCAL_BACKEND_PORT + 1;
  if (sitePort > 65535) {
    throw invalid(
      `LOCAL_BACKEND_SITE_PORT is not set and LOCAL_BACKEND_PORT=${env.LOCAL_BACKEND_PORT} has no next port for it: set LOCAL_BACKEND_SITE_PORT`,
    );
  }
  if (sitePort === env.LOCAL_BACKEND_PORT) {
    throw invalid(
      `LOCAL_BACKEND_SITE_PORT=${JSON.stringify(source.LOCAL_BACKEND_SITE_PORT ?? "")}: expected a port other than LOCAL_BACKEND_PORT (${env.LOCAL_BACKEND_PORT}); HTTP actions are served on a port of their own`,
    );
  }

  const { convex, backendHost } = convexEndpoints(env);
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    host: env.HOST,
    port: env.PORT,
    convex: { ...convex, siteUrl: siteUrlOf(env, convex, sitePort) },
    localBackend: { port: env.LOCAL_BACKEND_PORT, sitePort, dataDir: env.LOCAL_BACKEND_DATA_DIR, host: backendHost },
    auth:
      env.CLERK_PUBLISHABLE_KEY && env.CLERK_SECRET_KEY
        ? {
            mode: "clerk",
            publishableKey: env.CLERK_PUBLISHABLE_KEY,
            secretKey: env.CLERK_SECRET_KEY,
            jwtTemplate: env.CLERK_JWT_TEMPLATE === "none" ? null : env.CLERK_JWT_TEMPLATE,
          }
        : {
            mode: "local",
            keysDir: env.LOCAL_AUTH_KEYS_DIR,
            tokenTtlSeconds: env.LOCAL_AUTH_TOKEN_TTL,
            sessionTtlSeconds: env.LOCAL_AUTH_SESSION_TTL,
          },
    preload: env.PRELOAD === "off" ? false : "intent",
  };
}

export function toPublicConfig(config: AppConfig): PublicConfig {
  return {
    convexUrl: config.convex.url,
    convexSiteUrl: config.convex.siteUrl,
    authMode: config.auth.mode,
    clerkPublishableKey: config.auth.mode === "clerk" ? config.auth.publishableKey : null,
    preload: config.preload,
  };
}

/**
 * The issuer of a Clerk instance's tokens (its Frontend API URL), which a publishable key
 * encodes: `pk_test_<base64("example.clerk.accounts.dev$")>` → `https://example.clerk.accounts.dev`.
 * This is the `CLERK_JWT_ISSUER_DOMAIN` a Convex deployment needs to accept the instance's tokens.
 */
export function clerkIssuerFromPublishableKey(publishableKey: string): string {
  const encoded = publishableKey.replace(/^pk_(test|live)_/, "");
  let host = "";
  try {
    host = atob(encoded).replace(/\$$/, "");
  } catch {
    // not base64: reported below
  }
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) {
    throw new ConfigError(`Invalid configuration:\n  CLERK_PUBLISHABLE_KEY does not encode a Clerk Frontend API host`);
  }
  return `https://${host}`;
}

let loaded: AppConfig | undefined;

/** The process's configuration, parsed from `process.env` on first use and kept. */
export function getConfig(): AppConfig {
  loaded ??= parseConfig(process.env);
  return loaded;
}

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
 * | PORT                     | 3000                 | port of the app server                                         |
 * | VITE_CONVEX_URL          | (local backend)      | Convex deployment URL; CONVEX_URL is accepted too              |
 * | LOCAL_BACKEND_PORT       | 3210                 | port of the embedded local backend                             |
 * | LOCAL_BACKEND_DATA_DIR   | .local/data          | where the local backend persists its data                      |
 * | LOCAL_AUTH_KEYS_DIR      | .local/keys          | key pair of the local identity provider (never in git)         |
 * | LOCAL_AUTH_TOKEN_TTL     | 3600                 | lifetime in seconds of the local provider's Convex tokens      |
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

const port = (fallback: number) =>
  z.coerce
    .number({ error: "expected a port number" })
    .int("expected a whole number")
    .min(1, "expected a port between 1 and 65535")
    .max(65535, "expected a port between 1 and 65535")
    .default(fallback);

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const httpUrl = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://happy-otter-123.convex.cloud" })
  .transform((value) => value.replace(/\/+$/, ""));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PORT: port(3000),
  VITE_CONVEX_URL: optionalText.pipe(httpUrl.optional()),
  CONVEX_URL: optionalText.pipe(httpUrl.optional()),
  LOCAL_BACKEND_PORT: port(DEFAULT_LOCAL_BACKEND_PORT),
  LOCAL_BACKEND_DATA_DIR: z.string().trim().min(1).default(".local/data"),
  LOCAL_AUTH_KEYS_DIR: z.string().trim().min(1).default(".local/keys"),
  LOCAL_AUTH_TOKEN_TTL: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    // The Convex client refreshes a token 10 s before it expires; shorter lifetimes would loop.
    .min(20, "expected at least 20 seconds")
    .max(86_400, "expected at most 86400 seconds (a day)")
    .default(3600),
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
  | { mode: "local"; keysDir: string; tokenTtlSeconds: number }
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
    /** True when no Convex URL is configured and the embedded local backend serves `url`. */
    local: boolean;
  };
  localBackend: { port: number; dataDir: string };
  auth: AuthConfig;
  preload: "intent" | false;
}

/** The part of the configuration the browser may see; the server embeds it in each page. */
export interface PublicConfig {
  convexUrl: string;
  authMode: AuthConfig["mode"];
  clerkPublishableKey: string | null;
  preload: AppConfig["preload"];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses and validates a configuration; throws a `ConfigError` naming each bad setting. */
export function parseConfig(source: Record<string, string | undefined>): AppConfig {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "configuration");
      const given = source[name];
      const allowed =
        issue.code === "invalid_value" ? `; allowed: ${issue.values.map(String).join(", ")}` : "";
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

  const configuredUrl = env.VITE_CONVEX_URL ?? env.CONVEX_URL;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    host: env.HOST,
    port: env.PORT,
    convex: {
      url: configuredUrl ?? `http://127.0.0.1:${env.LOCAL_BACKEND_PORT}`,
      local: configuredUrl === undefined,
    },
    localBackend: { port: env.LOCAL_BACKEND_PORT, dataDir: env.LOCAL_BACKEND_DATA_DIR },
    auth:
      env.CLERK_PUBLISHABLE_KEY && env.CLERK_SECRET_KEY
        ? {
            mode: "clerk",
            publishableKey: env.CLERK_PUBLISHABLE_KEY,
            secretKey: env.CLERK_SECRET_KEY,
            jwtTemplate: env.CLERK_JWT_TEMPLATE === "none" ? null : env.CLERK_JWT_TEMPLATE,
          }
        : { mode: "local", keysDir: env.LOCAL_AUTH_KEYS_DIR, tokenTtlSeconds: env.LOCAL_AUTH_TOKEN_TTL },
    preload: env.PRELOAD === "off" ? false : "intent",
  };
}

export function toPublicConfig(config: AppConfig): PublicConfig {
  return {
    convexUrl: config.convex.url,
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

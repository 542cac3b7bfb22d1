import { describe, expect, it } from "vitest";
import { clerkIssuerFromPublishableKey, ConfigError, parseConfig, toPublicConfig } from "../../app.config";

describe("parseConfig", () => {
  it("defaults to the local backend, local sign-in and intent preloading", () => {
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.convex).toEqual({ url: "http://127.0.0.1:3210", siteUrl: "http://127.0.0.1:3211", local: true });
    expect(config.localBackend).toEqual({ port: 3210, sitePort: 3211, dataDir: ".local/data", host: "127.0.0.1" });
    expect(config.auth).toEqual({ mode: "local", keysDir: ".local/keys", tokenTtlSeconds: 3600, sessionTtlSeconds: 604_800 });
    expect(config.preload).toBe("intent");
  });

  it("follows LOCAL_BACKEND_PORT for the Convex URL when none is configured", () => {
    expect(parseConfig({ LOCAL_BACKEND_PORT: "4321" }).convex.url).toBe("http://127.0.0.1:4321");
  });

  it("serves HTTP actions on the port after LOCAL_BACKEND_PORT unless LOCAL_BACKEND_SITE_PORT names one", () => {
    expect(parseConfig({ LOCAL_BACKEND_PORT: "4321" }).localBackend.sitePort).toBe(4322);
    expect(parseConfig({ LOCAL_BACKEND_PORT: "4321", LOCAL_BACKEND_SITE_PORT: "5000" }).localBackend.sitePort).toBe(5000);
    expect(parseConfig({ LOCAL_BACKEND_SITE_PORT: "" }).localBackend.sitePort).toBe(3211);
  });

  it("prefers VITE_CONVEX_URL, accepts CONVEX_URL, and trims a trailing slash", () => {
    expect(parseConfig({ CONVEX_URL: "https://a-b-1.convex.cloud/" }).convex).toEqual({
      url: "https://a-b-1.convex.cloud",
      siteUrl: "https://a-b-1.convex.site",
      local: false,
    });
    expect(
      parseConfig({ VITE_CONVEX_URL: "https://vite.convex.cloud", CONVEX_URL: "https://other.convex.cloud" }).convex.url,
    ).toBe("https://vite.convex.cloud");
  });

  it("derives the URL of HTTP actions (web-to-lead's) from the Convex URL as Convex names it, unless CONVEX_SITE_URL says", () => {
    const siteUrl = (env: Record<string, string>) => parseConfig(env).convex.siteUrl;
    expect(siteUrl({ LOCAL_BACKEND_PORT: "4321" })).toBe("http://127.0.0.1:4322");
    expect(siteUrl({ LOCAL_BACKEND_SITE_PORT: "5000" })).toBe("http://127.0.0.1:5000");
    expect(siteUrl({ VITE_CONVEX_URL: "https://happy-otter-123.convex.cloud" })).toBe("https://happy-otter-123.convex.site");
    expect(siteUrl({ CONVEX_URL: "http://127.0.0.1:3210" })).toBe("http://127.0.0.1:3211");
    expect(siteUrl({ CONVEX_URL: "https://convex.example.com", CONVEX_SITE_URL: "https://actions.example.com/" })).toBe(
      "https://actions.example.com",
    );
    expect(siteUrl({ CONVEX_URL: "https://a.convex.cloud", VITE_CONVEX_SITE_URL: "https://b.example.com" })).toBe(
      "https://b.example.com",
    );
    expect(toPublicConfig(parseConfig({})).convexSiteUrl).toBe("http://127.0.0.1:3211");
    expect(() => parseConfig({ CONVEX_URL: "https://convex.example.com" })).toThrow(
      /CONVEX_SITE_URL is not set and CONVEX_URL="https:\/\/convex.example.com" does not say where the deployment serves HTTP actions/,
    );
    expect(() => parseConfig({ CONVEX_URL: "https://a.convex.cloud", CONVEX_SITE_URL: "ftp://x" })).toThrow(
      /CONVEX_SITE_URL="ftp:\/\/x"/,
    );
  });

  it("turns preloading off with PRELOAD=off", () => {
    expect(parseConfig({ PRELOAD: "off" }).preload).toBe(false);
  });

  it("switches to Clerk when both keys are set, and exposes only the publishable key", () => {
    const config = parseConfig({ CLERK_PUBLISHABLE_KEY: "pk_test_abc", CLERK_SECRET_KEY: "sk_test_xyz" });
    expect(config.auth).toEqual({
      mode: "clerk",
      publishableKey: "pk_test_abc",
      secretKey: "sk_test_xyz",
      jwtTemplate: "convex",
    });
    expect(JSON.stringify(toPublicConfig(config))).not.toContain("sk_test_xyz");
    expect(
      parseConfig({ CLERK_PUBLISHABLE_KEY: "pk_test_abc", CLERK_SECRET_KEY: "sk_test_xyz", CLERK_JWT_TEMPLATE: "none" }).auth,
    ).toMatchObject({ jwtTemplate: null });
  });

  it.each([
    [{ PORT: "abc" }, /PORT="abc": expected a port number/],
    [{ PORT: "70000" }, /PORT="70000": expected a port between 1 and 65535/],
    [{ LOCAL_AUTH_TOKEN_TTL: "5" }, /LOCAL_AUTH_TOKEN_TTL="5": expected at least 20 seconds/],
    [{ PRELOAD: "hover" }, /PRELOAD="hover": .*allowed: intent, off/],
    [{ LOCAL_AUTH_SESSION_TTL: "60" }, /LOCAL_AUTH_SESSION_TTL="60": expected at least 300 seconds/],
    [{ LOCAL_AUTH_SESSION_TTL: "31536000" }, /LOCAL_AUTH_SESSION_TTL="31536000": expected at most 2592000 seconds \(30 days\)/],
    [
      { LOCAL_AUTH_SESSION_TTL: "600", LOCAL_AUTH_TOKEN_TTL: "3600" },
      /LOCAL_AUTH_SESSION_TTL="600": expected at least LOCAL_AUTH_TOKEN_TTL \(3600 seconds\)/,
    ],
    [{ CONVEX_URL: "ftp://x" }, /CONVEX_URL="ftp:\/\/x": expected an http\(s\) URL/],
    [{ LOCAL_BACKEND_SITE_PORT: "http" }, /LOCAL_BACKEND_SITE_PORT="http": expected a port number/],
    [
      { LOCAL_BACKEND_SITE_PORT: "3210" },
      /LOCAL_BACKEND_SITE_PORT="3210": expected a port other than LOCAL_BACKEND_PORT \(3210\)/,
    ],
    [{ LOCAL_BACKEND_PORT: "65535" }, /LOCAL_BACKEND_SITE_PORT is not set and LOCAL_BACKEND_PORT=65535 has no next port for it/],
    [{ CLERK_PUBLISHABLE_KEY: "pk_test_abc" }, /CLERK_SECRET_KEY is not set but CLERK_PUBLISHABLE_KEY is/],
    [{ CLERK_SECRET_KEY: "sk_test_abc" }, /CLERK_PUBLISHABLE_KEY is not set but CLERK_SECRET_KEY is/],
    [
      { CLERK_PUBLISHABLE_KEY: "nope", CLERK_SECRET_KEY: "sk_test_abc" },
      /CLERK_PUBLISHABLE_KEY="nope": expected a Clerk publishable key/,
    ],
  ])("rejects %o naming the setting, the value and what is allowed", (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});

describe("a HOST other than loopback", () => {
  const clerkKeys = { CLERK_PUBLISHABLE_KEY: "pk_test_abc", CLERK_SECRET_KEY: "sk_test_xyz" };

  it("refuses local sign-in without LOCAL_AUTH_ALLOW_REMOTE, saying why and what to do", () => {
    for (const HOST of ["0.0.0.0", "192.168.1.20", "::", "crm.example.com"]) {
      expect(() => parseConfig({ HOST }), HOST).toThrow(ConfigError);
      expect(() => parseConfig({ HOST }), HOST).toThrow(
        /HOST=".*" with local sign-in: anyone who can reach this address could sign in as any email, with no password.*LOCAL_AUTH_ALLOW_REMOTE=1/,
      );
    }
    expect(() => parseConfig({ HOST: "192.168.1.20", LOCAL_AUTH_ALLOW_REMOTE: "0" })).toThrow(/LOCAL_AUTH_ALLOW_REMOTE=1/);
    expect(() => parseConfig({ HOST: "0.0.0.0", LOCAL_AUTH_ALLOW_REMOTE: "yes" })).toThrow(
      /LOCAL_AUTH_ALLOW_REMOTE="yes": expected 1 or 0/,
    );
  });

  it("keeps every loopback spelling as it was", () => {
    for (const HOST of ["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"]) {
      expect(parseConfig({ HOST }).convex, HOST).toEqual({
        url: "http://127.0.0.1:3210",
        siteUrl: "http://127.0.0.1:3211",
        local: true,
      });
      expect(parseConfig({ HOST }).localBackend.host, HOST).toBe("127.0.0.1");
    }
  });

  it("with the opt-in, gives browsers the backend at HOST, and has it listen there", () => {
    const config = parseConfig({ HOST: "192.168.1.20", LOCAL_AUTH_ALLOW_REMOTE: "1", LOCAL_BACKEND_PORT: "4000" });
    expect(config.convex).toEqual({ url: "http://192.168.1.20:4000", siteUrl: "http://192.168.1.20:4001", local: true });
    expect(config.localBackend.host).toBe("192.168.1.20");
    expect(toPublicConfig(config).convexUrl).toBe("http://192.168.1.20:4000");
    expect(parseConfig({ HOST: "fd00::20", LOCAL_AUTH_ALLOW_REMOTE: "true" }).convex.url).toBe("http://[fd00::20]:3210");
  });

  it("on every interface, needs LOCAL_BACKEND_PUBLIC_URL, which must not be loopback", () => {
    expect(() => parseConfig({ HOST: "0.0.0.0", LOCAL_AUTH_ALLOW_REMOTE: "1" })).toThrow(
      /LOCAL_BACKEND_PUBLIC_URL is not set but HOST="0.0.0.0" listens on every interface/,
    );
    expect(() =>
      parseConfig({ HOST: "0.0.0.0", LOCAL_AUTH_ALLOW_REMOTE: "1", LOCAL_BACKEND_PUBLIC_URL: "http://127.0.0.1:3210" }),
    ).toThrow(/LOCAL_BACKEND_PUBLIC_URL="http:\/\/127.0.0.1:3210": browsers on other machines cannot reach a loopback URL/);
    const config = parseConfig({
      HOST: "0.0.0.0",
      LOCAL_AUTH_ALLOW_REMOTE: "1",
      LOCAL_BACKEND_PUBLIC_URL: "http://crm.lan:3210/",
    });
    expect(config.convex).toEqual({ url: "http://crm.lan:3210", siteUrl: "http://crm.lan:3211", local: true });
    expect(config.localBackend.host).toBe("0.0.0.0");
  });

  it("refuses a loopback Convex URL for browsers elsewhere, in Clerk mode too", () => {
    expect(() => parseConfig({ ...clerkKeys, HOST: "0.0.0.0", CONVEX_URL: "http://127.0.0.1:3210" })).toThrow(
      /CONVEX_URL="http:\/\/127.0.0.1:3210": browsers on other machines cannot reach a loopback Convex URL/,
    );
    expect(() => parseConfig({ ...clerkKeys, HOST: "0.0.0.0", VITE_CONVEX_URL: "http://localhost:3210" })).toThrow(
      /VITE_CONVEX_URL=/,
    );
    const config = parseConfig({ ...clerkKeys, HOST: "0.0.0.0", CONVEX_URL: "https://a-b-1.convex.cloud" });
    expect(config.convex).toEqual({ url: "https://a-b-1.convex.cloud", siteUrl: "https://a-b-1.convex.site", local: false });
    expect(config.auth.mode).toBe("clerk");
  });
});

describe("clerkIssuerFromPublishableKey", () => {
  it("decodes the Frontend API host a publishable key names", () => {
    expect(clerkIssuerFromPublishableKey("pk_test_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk")).toBe(
      "https://example.clerk.accounts.dev",
    );
    const live = `pk_live_${Buffer.from("clerk.clientele.example$").toString("base64")}`;
    expect(clerkIssuerFromPublishableKey(live)).toBe("https://clerk.clientele.example");
  });

  it("refuses a key that encodes no host", () => {
    expect(() => clerkIssuerFromPublishableKey("pk_test_not-base64!")).toThrow(ConfigError);
    expect(() => clerkIssuerFromPublishableKey(`pk_test_${Buffer.from("evil.example/path$").toString("base64")}`)).toThrow(
      ConfigError,
    );
  });
});

import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { tanstackStart } from "@tanstack/react-start/plugin/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * What every page runs (React, the router, React Query, Convex's client) as one browser chunk:
 * one download that compresses better than a dozen small ones. Route code and Clerk's UI stay
 * split, loaded by the routes and the deployments that use them. Only modules the entry imports
 * statically (`$initial`) join it: framework code that only a lazy chunk reaches (the
 * server-function fetcher below) stays with that chunk.
 */
const frameworkModules =
  /node_modules[\\/](react|react-dom|scheduler|@tanstack|convex|@convex-dev|seroval|seroval-plugins|cookie-es)[\\/]/;

const CLIENT_RPC = /[\\/]@tanstack[\\/]start-client-core[\\/]dist[\\/]esm[\\/]client-rpc[\\/]createClientRpc\.js$/;
const FETCHER_IMPORT = 'import { serverFnFetcher } from "./serverFnFetcher.js";';
const FETCHER_CALL = "return serverFnFetcher(url, args, startFetch ?? fetch);";

/**
 * TanStack Start's browser entry imports its server-function fetcher statically (hydration
 * registers an adapter that creates server-function stubs), and with it seroval's serializer and
 * parser: ~11 kB gzip that no page runs until it calls a server function (sign-out, a token
 * refresh, sign-in). This loads the fetcher at a server function's first call instead. Should an
 * upgrade rename the file, tests/e2e/js-budget.spec.ts sees the entry grow back.
 */
function lazyServerFnFetcher(): Plugin {
  return {
    name: "clientele:lazy-server-fn-fetcher",
    apply: "build",
    applyToEnvironment: (environment) => environment.name === "client",
    transform: {
      filter: { id: CLIENT_RPC },
      handler(code, id) {
        if (!code.includes(FETCHER_IMPORT) || !code.includes(FETCHER_CALL)) {
          // A TanStack Start upgrade changed the file: fail the build rather than ship it eagerly.
          this.error(`lazy-server-fn-fetcher: ${id} no longer matches; update vite.config.ts`);
        }
        return code
          .replace(FETCHER_IMPORT, "")
          .replace(
            FETCHER_CALL,
            'return import("./serverFnFetcher.js").then(({ serverFnFetcher }) => serverFnFetcher(url, args, startFetch ?? fetch));',
          );
      },
    },
  };
}

/**
 * V8's explicit compile hint: compile every function of the browser chunks up front, on a
 * background thread while the script streams in, instead of on the main thread at first call.
 * Without it a new visitor's first click compiles the router's navigation, the next page and
 * React's commit code at the click (docs/decisions/007). The comment must open the file.
 */
// Before precompress() (plugin order), so the compressed copies carry the hint too.
function compileHints(): Plugin {
  return {
    name: "clientele:compile-hints",
    enforce: "post",
    applyToEnvironment: (environment) => environment.name === "client",
    generateBundle: {
      order: "post",
      handler(_options, bundle) {
        for (const output of Object.values(bundle)) {
          if (output.type === "chunk") output.code = `//# allFunctionsCalledOnLoad\n${output.code}`;
        }
      },
    },
  };
}

/**
 * Brotli and gzip copies of the browser's files, made once at build time: `npm start` serves
 * them as they are (scripts/start.ts) instead of compressing every response again, which cost
 * the app server ~30 ms of CPU for the framework chunk on each new visitor's load.
 */
function precompress(): Plugin {
  return {
    name: "clientele:precompress",
    enforce: "post",
    apply: "build",
    applyToEnvironment: (environment) => environment.name === "client",
    generateBundle: {
      order: "post",
      handler(_options, bundle) {
        for (const output of Object.values(bundle)) {
          if (!/\.(js|css|svg|json)$/.test(output.fileName)) continue;
          const source = Buffer.from(output.type === "chunk" ? output.code : output.source);
          if (source.length < 1024) continue;
          const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
          this.emitFile({ type: "asset", fileName: `${output.fileName}.br`, source: brotli });
          this.emitFile({ type: "asset", fileName: `${output.fileName}.gz`, source: gzipSync(source, { level: 9 }) });
        }
      },
    },
  };
}

export default defineConfig({
  server: { host: "127.0.0.1" },
  plugins: [tanstackStart({ srcDirectory: "app" }), react(), lazyServerFnFetcher(), compileHints(), precompress()],
  environments: {
    client: {
      // The browser always has a window: server-only branches (Convex's HTTP client for SSR,
      // Start's and the router's server paths) drop out of the browser build.
      define: { "typeof window": JSON.stringify("object") },
      build: {
        rolldownOptions: {
          output: { codeSplitting: { groups: [{ name: "framework", test: frameworkModules, tags: ["$initial"] }] } },
        },
      },
    },
  },
});

import { tanstackStart } from "@tanstack/react-start/plugin/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * What every page runs (React, the router, React Query, Convex's client) as one browser chunk:
 * one download that compresses better than a dozen small ones. Route code and Clerk's UI stay
 * split, loaded by the routes and the deployments that use them.
 */
const frameworkModules =
  /node_modules[\\/](react|react-dom|scheduler|@tanstack|convex|@convex-dev|seroval|seroval-plugins|cookie-es)[\\/]/;

export default defineConfig({
  server: { host: "127.0.0.1" },
  plugins: [tanstackStart({ srcDirectory: "app" }), react()],
  environments: {
    client: {
      build: {
        rolldownOptions: { output: { codeSplitting: { groups: [{ name: "framework", test: frameworkModules }] } } },
      },
    },
  },
});

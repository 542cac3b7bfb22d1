// One flat config: the rules published by the libraries Clientele builds on, for the mistakes
// that are easy to make with them. `npm run lint` (part of `npm test`) fails on any error.
import js from "@eslint/js";
import convexPlugin from "@convex-dev/eslint-plugin";
import pluginQuery from "@tanstack/eslint-plugin-query";
import pluginRouter from "@tanstack/eslint-plugin-router";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/_generated/**",
      "app/routeTree.gen.ts",
      "dist/**",
      ".local/**",
      "test-results/**",
      "playwright-report/**",
      "node_modules/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node, ...globals.browser },
    },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (omitting fields from a copy, fixed arities).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // React event handlers may be async: a rejected promise there is handled inside the handler.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      // TanStack Router's control flow is throwing redirect() and notFound().
      "@typescript-eslint/only-throw-error": [
        "error",
        {
          allow: [{ from: "package", package: "@tanstack/router-core", name: ["Redirect", "NotFoundError"] }],
        },
      ],
      // `async` without `await` is deliberate where a caller expects a promise and a throw must
      // become a rejection, not a synchronous exception.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    ...tseslint.configs.disableTypeChecked,
  },
  ...pluginQuery.configs["flat/recommended"],
  ...pluginRouter.configs["flat/recommended"],
  ...convexPlugin.configs.recommended,
  {
    files: ["**/convex/auth.config.ts"],
    // auth.config.ts reads the deployment's environment (CLERK_JWT_ISSUER_DOMAIN), which is how
    // the pinned convex 1.48 configures providers; it has no typed env declaration yet.
    rules: { "@convex-dev/no-process-env": "off" },
  },
  {
    files: ["tests/backend/fixtures/**"],
    // Conformance fixtures exercise every form of Convex's API on purpose, the older ones included.
    rules: {
      "@convex-dev/explicit-table-ids": "off",
      "@convex-dev/no-process-env": "off",
      "@convex-dev/no-filter-in-query": "off",
      "@convex-dev/no-duplicate-indexes": "off",
    },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat["recommended-latest"],
  },
  {
    files: ["app/**/*.tsx"],
    ...jsxA11y.flatConfigs.recommended,
  },
);

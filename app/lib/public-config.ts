import { createIsomorphicFn } from "@tanstack/react-start";
import { getConfig, type PublicConfig, toPublicConfig } from "../../app.config";

/** Name of the global the server's page sets before any module script runs. */
export const PUBLIC_CONFIG_GLOBAL = "__CLIENTELE_CONFIG__";

declare global {
  interface Window {
    [PUBLIC_CONFIG_GLOBAL]?: PublicConfig;
  }
}

/**
 * The runtime configuration the browser needs (Convex URL, auth mode, preload). The server
 * reads it from app.config.ts; the browser from the script the root document embeds, so one
 * build serves any backend without a rebuild.
 */
export const getPublicConfig = createIsomorphicFn()
  .server((): PublicConfig => toPublicConfig(getConfig()))
  .client((): PublicConfig => {
    const config = window[PUBLIC_CONFIG_GLOBAL];
    if (!config) throw new Error("Clientele: the page is missing its public configuration script");
    return config;
  });

/** The inline script that hands the public configuration to the browser. */
export function publicConfigScript(config: PublicConfig): string {
  // Escape "<" so no value can close the script element.
  return `window.${PUBLIC_CONFIG_GLOBAL}=${JSON.stringify(config).replace(/</g, "\\u003c")}`;
}

import { type AppConfig, ConfigError, getConfig } from "../../app.config";

/** The validated configuration, or a clear message and exit code 1: scripts never start half-configured. */
export function configOrExit(): AppConfig {
  try {
    return getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[clientele] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

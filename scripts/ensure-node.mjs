// Runs before every npm entry point, under whichever Node npm found first.
// The project pins Node 22 through the `node` devDependency (see docs/decisions/001-node-22.md);
// `npm ci --ignore-scripts` skips that package's install step and npm would then silently fall
// back to the machine's Node 20. Repair that once here instead of failing later with
// ERR_UNKNOWN_BUILTIN_MODULE or a TanStack Start build error.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MIN = [22, 13];
const root = fileURLToPath(new URL("..", import.meta.url));
const pinned = `${root}node_modules/node/bin/node`;

function satisfies(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

if (!existsSync(pinned)) {
  console.error("[clientele] The pinned Node 22 is missing (was `npm ci --ignore-scripts` used?); running `npm rebuild node`…");
  execSync("npm rebuild node", { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}
const pinnedVersion = existsSync(pinned) ? execSync(`"${pinned}" --version`, { encoding: "utf8" }).trim() : "none";
if (!satisfies(pinnedVersion)) {
  console.error(
    `[clientele] Node >= ${MIN.join(".")} is required; node_modules/node provides ${pinnedVersion}. ` +
      "Run `npm ci` (without --ignore-scripts) or `npm rebuild node`.",
  );
  process.exit(1);
}

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Everything the production build depends on. */
const BUILD_INPUTS = ["app", "convex", "public", "app.config.ts", "vite.config.ts", "tsconfig.json", "package-lock.json"];
const OUTPUT_DIR = "dist";
const STAMP_FILE = join(OUTPUT_DIR, ".build-inputs.sha256");
/** Files the build writes into its own inputs; hashing them would make every build look stale. */
const GENERATED = new Set(["app/routeTree.gen.ts"]);

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) yield* files(join(path, entry));
  } else {
    yield path;
  }
}

/** A hash of the build's inputs: names and contents, so a checkout of older files still counts as a change. */
export function hashBuildInputs(root: string): string {
  const hash = createHash("sha256");
  for (const input of BUILD_INPUTS) {
    for (const file of files(join(root, input))) {
      const name = relative(root, file);
      if (GENERATED.has(name) || name.startsWith("convex/_generated/")) continue;
      hash.update(name).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

/** Runs `npm run build` unless dist/ was built from exactly these inputs. */
export function buildIfNeeded(root: string): void {
  const inputs = hashBuildInputs(root);
  const stamp = join(root, STAMP_FILE);
  const built = existsSync(join(root, OUTPUT_DIR, "server", "server.js")) && existsSync(stamp);
  if (built && readFileSync(stamp, "utf8") === inputs) return;
  console.log("[clientele] Building the app (sources changed since the last build)…");
  const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[clientele] The build failed; see the output above.");
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, inputs);
}

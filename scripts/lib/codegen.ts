/**
 * Writes a project's `convex/_generated/` exactly as the pinned Convex CLI does, offline.
 * Without `convex.config.ts` that is the CLI's own deployment-free codegen (`--system-udfs`).
 * With components the CLI asks a deployment to analyse them, so it is run against a local
 * server that answers its codegen requests from the sources (ADR 004).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { version } from "convex";
import { startCodegenServer } from "../../local-backend/features/components/codegen";

const CLI = join(dirname(createRequire(import.meta.url).resolve("convex/package.json")), "bin", "main.js");

function convexCodegen(project: string, args: string[], quiet: boolean): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, "codegen", "--typecheck", "disable", ...args], {
      cwd: project,
      stdio: quiet ? ["ignore", "ignore", "pipe"] : "inherit",
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`convex codegen exited with ${code}\n${stderr}`))));
  });
}

/** The project's functions directory, as convex.json names it (default `convex/`). */
function functionsDirOf(project: string): string {
  const convexJson = join(project, "convex.json");
  const functions = existsSync(convexJson)
    ? ((JSON.parse(readFileSync(convexJson, "utf8")) as { functions?: string }).functions ?? "convex/")
    : "convex/";
  return join(project, functions);
}

export async function generate(projectDir: string, options: { quiet?: boolean } = {}): Promise<void> {
  const project = resolve(projectDir);
  const functionsDir = functionsDirOf(project);
  const quiet = options.quiet ?? false;
  if (!["convex.config.ts", "convex.config.js"].some((file) => existsSync(join(functionsDir, file)))) {
    await convexCodegen(project, ["--system-udfs"], quiet);
    return;
  }
  const buildRoot = await mkdtemp(join(tmpdir(), "convex-codegen-"));
  const server = await startCodegenServer(functionsDir, buildRoot, version);
  try {
    await convexCodegen(project, ["--url", server.url, "--admin-key", server.adminKey], quiet);
  } finally {
    await server.close();
    await rm(buildRoot, { recursive: true, force: true });
  }
}

/**
 * Starts the product's own processes (the local backend, the app server) for browser tests and
 * benchmarks that need more than one, or need to stop and restart one mid-test.
 * Always through npm, so the pinned Node 22 is used.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface ManagedProcess {
  readonly name: string;
  readonly url: string;
  /** Its process group (npm and everything it started), for reading their CPU time. */
  readonly processGroup: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM (or the given signal), then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function waitForHttp(url: string, child: ChildProcess, name: string, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms:\n${output()}`);
}

export async function startNpmScript(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Polled until it answers 200. */
  readyUrl: string;
  url: string;
  timeoutMs?: number;
  /** The checkout to run it in (default: this one); the click benchmark runs another commit's build. */
  cwd?: string;
}): Promise<ManagedProcess> {
  const child = spawn("npm", ["run", "--silent", options.script], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const output = () => log;

  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The whole group: npm, tsx and the node process they start.
    try {
      process.kill(-child.pid!, signal);
    } catch {
      return;
    }
    await exited;
  };

  try {
    await waitForHttp(options.readyUrl, child, options.name, options.timeoutMs ?? 60_000, output);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  return { name: options.name, url: options.url, processGroup: child.pid!, output, stop };
}

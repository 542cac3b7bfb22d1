/**
 * Issue 11.10: local sign-in has no password, so `npm start` on a HOST other than loopback would
 * let anyone who reaches it sign in as any email. Start-up refuses unless the user opts in
 * (LOCAL_AUTH_ALLOW_REMOTE=1), and the browsers then never get a loopback Convex URL.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** `npm start` with these settings; it must stop at the configuration, before building or listening. */
function start(env: Record<string, string>) {
  const result = spawnSync("npm", ["start", "--silent"], {
    cwd: root,
    // Ports of this helper's range; the process must exit before it would listen on them.
    env: { ...process.env, PORT: "5391", LOCAL_BACKEND_PORT: "5591", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// Each start pays for npm and tsx (several seconds on a loaded machine); no timing is asserted.
describe("npm start on a HOST other than loopback", { timeout: 180_000 }, () => {
  it("refuses local sign-in, saying why and how to opt in", () => {
    const { status, output } = start({ HOST: "0.0.0.0" });
    expect(status).toBe(1);
    expect(output).toContain('HOST="0.0.0.0" with local sign-in: anyone who can reach this address could sign in as any email');
    expect(output).toContain("LOCAL_AUTH_ALLOW_REMOTE=1");
    expect(output).not.toContain("Serving");
  });

  it("with the opt-in on every interface, refuses to hand browsers a loopback Convex URL", () => {
    const { status, output } = start({ HOST: "0.0.0.0", LOCAL_AUTH_ALLOW_REMOTE: "1" });
    expect(status).toBe(1);
    expect(output).toContain("LOCAL_BACKEND_PUBLIC_URL is not set");
    const loopback = start({ HOST: "0.0.0.0", LOCAL_AUTH_ALLOW_REMOTE: "1", LOCAL_BACKEND_PUBLIC_URL: "http://127.0.0.1:5591" });
    expect(loopback.status).toBe(1);
    expect(loopback.output).toContain("browsers on other machines cannot reach a loopback URL");
  });
});

/**
 * Revoked local sessions: one empty-ish file per revoked session id, in the keys directory
 * beside the secret that signs the cookies. Every app process that can read a cookie (it has
 * the same LOCAL_AUTH_KEYS_DIR) therefore also sees its revocation, with no state in any one
 * process: see docs/decisions/009-local-session-revocation.md.
 */
import { access, mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type LocalSession, SESSION_ID_PATTERN } from "./session.server";

const PRUNE_EVERY_MS = 3600_000;
let lastPrune = 0;

function revocationsDir(keysDir: string): string {
  return join(keysDir, "revoked-sessions");
}

/** Whether sign-out ended this session. An unreadable directory fails closed (reads as revoked). */
export async function isRevoked(keysDir: string, sid: string): Promise<boolean> {
  if (!SESSION_ID_PATTERN.test(sid)) return true;
  try {
    await access(join(revocationsDir(keysDir), sid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Ends a session for every app process. The file holds when its id may be forgotten: once no
 * cookie with it can still be valid (renewals stop at revocation, so at most one lifetime on).
 */
export async function revokeSession(keysDir: string, session: LocalSession, ttlSeconds: number, now = Date.now()): Promise<void> {
  const dir = revocationsDir(keysDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const forgetAt = Math.max(session.exp, Math.floor(now / 1000) + ttlSeconds) + 60;
  await writeFile(join(dir, session.sid), `${forgetAt}\n`, { mode: 0o600 });
  if (now - lastPrune > PRUNE_EVERY_MS) {
    lastPrune = now;
    await pruneRevocations(keysDir, now);
  }
}

/** Forgets revocations whose sessions have expired anyway; the directory stays small. */
export async function pruneRevocations(keysDir: string, now = Date.now()): Promise<void> {
  const dir = revocationsDir(keysDir);
  for (const name of await readdir(dir)) {
    if (!SESSION_ID_PATTERN.test(name)) continue;
    const forgetAt = Number((await readFile(join(dir, name), "utf8").catch(() => "")).trim());
    if (Number.isFinite(forgetAt) && forgetAt > 0 && forgetAt * 1000 < now) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * The deployment's secret (`<dataDir>/cursor-secret`, mode 600, made on first start; named for its
 * first use): every key the backend seals or signs with is derived from it, one per purpose, so a
 * cursor, upload token or file URL from another deployment (another secret) opens nothing here.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";

/** Reads the data directory's secret, creating it (mode 600) on first start. */
export function loadDeploymentSecret(dataDir: string): Buffer {
  const file = join(dataDir, "cursor-secret");
  try {
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  chmodSync(file, 0o600);
  const secret = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  if (secret.length < 32)
    throw new Error(`${file} is not a 32-byte hex secret; delete it to make a new one (open cursors become invalid).`);
  return secret;
}

/** A 32-byte key for one purpose, derived from the deployment secret. */
export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return createHmac("sha256", secret).update(purpose).digest();
}

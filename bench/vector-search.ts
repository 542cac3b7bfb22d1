/**
 * Vector search on the local backend: `ctx.vectorSearch` over 10,000 vectors of 1,536
 * dimensions (the size of OpenAI's text-embedding-3-small), timed inside an action, so a figure
 * is the syscall's round trip and the exact scan, not the action's start; and the resident
 * memory of a backend holding them (documents and index), measured in a fresh process.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { startLocalBackend } from "../local-backend/index";
import { percentile, type BenchFigure } from "./suite";

const VECTORS = 10_000;
const DIMENSIONS = 1536;
const SEARCHES = 100;
const SELF = fileURLToPath(import.meta.url);

const SCHEMA = `
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  passages: defineTable({ topic: v.string(), embedding: v.array(v.float64()) })
    .vectorIndex("by_embedding", { vectorField: "embedding", dimensions: ${DIMENSIONS}, filterFields: ["topic"] }),
});
`;

const MODULE = `
import { actionGeneric as action } from "convex/server";
import { v } from "convex/values";

/** Runs one search per query vector and returns how long each took, in milliseconds. */
export const timeSearches = action({
  args: { queries: v.array(v.array(v.float64())), topic: v.optional(v.string()) },
  handler: async (ctx, { queries, topic }) => {
    const times = [];
    for (const vector of queries) {
      const started = performance.now();
      const results = await ctx.vectorSearch("passages", "by_embedding", {
        vector,
        limit: 10,
        ...(topic ? { filter: (q) => q.eq("topic", topic) } : {}),
      });
      times.push(performance.now() - started);
      if (results.length !== 10) throw new Error("expected 10 results, got " + results.length);
    }
    return times;
  },
});
`;

const timeSearches = makeFunctionReference<"action", { queries: number[][]; topic?: string }, number[]>(
  "vectorBench:timeSearches",
);

/** Embedding-like values: uniform in [-1, 1], six decimals (what a float32 embedding prints as). */
function randomVector(): number[] {
  return Array.from({ length: DIMENSIONS }, () => Math.round((Math.random() * 2 - 1) * 1e6) / 1e6);
}

/** Child mode: start on the seeded data, search once (the index is built), report the RSS. */
async function child(dataDir: string, functionsDir: string) {
  const backend = await startLocalBackend({ port: 0, dataDir, functionsDir, log: () => undefined });
  await new ConvexHttpClient(backend.url).action(timeSearches, { queries: [randomVector()] });
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${JSON.stringify({ rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
  await backend.close();
}

async function measureMemory(dataDir: string, functionsDir: string): Promise<number> {
  const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", SELF, "--child", dataDir, functionsDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`vector search child exited with ${code}`)));
  });
  await new Promise((r) => proc.once("exit", r));
  return (JSON.parse(line) as { rssMb: number }).rssMb;
}

/** The vector search figures, measured under `root` (a fresh directory inside the project). */
export async function vectorSearchFigures(root: string): Promise<BenchFigure[]> {
  const functionsDir = join(root, "convex");
  const dataDir = join(root, "data");
  await mkdir(functionsDir, { recursive: true });
  await writeFile(join(functionsDir, "schema.ts"), SCHEMA);
  await writeFile(join(functionsDir, "vectorBench.ts"), MODULE);

  const backend = await startLocalBackend({ port: 0, dataDir, functionsDir, log: () => undefined });
  const seedStart = performance.now();
  await backend.bulkInsert(
    "passages",
    Array.from({ length: VECTORS }, (_, i) => ({ topic: `topic-${i % 10}`, embedding: randomVector() })),
  );
  const seedMs = performance.now() - seedStart;
  const http = new ConvexHttpClient(backend.url);
  // The first search builds the index from the documents.
  const buildStart = performance.now();
  await http.action(timeSearches, { queries: [randomVector()] });
  const firstMs = performance.now() - buildStart;
  const queries = Array.from({ length: SEARCHES }, randomVector);
  // CPU time as well as elapsed time: on a busy machine the elapsed time mostly measures the
  // wait for a core. The backend runs in this process, its function workers included.
  const cpuStart = process.cpuUsage();
  const times = await http.action(timeSearches, { queries });
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000 / SEARCHES;
  const filtered = await http.action(timeSearches, { queries: queries.slice(0, SEARCHES / 2), topic: "topic-3" });
  await backend.close();
  const rssMb = await measureMemory(dataDir, functionsDir);

  const suite = "local-backend";
  const what = `${VECTORS.toLocaleString("en")} vectors of ${DIMENSIONS.toLocaleString("en")} dimensions`;
  const p50 = percentile(times, 50);
  return [
    { suite, name: `seed ${what} (bulk)`, value: seedMs, unit: "ms" },
    { suite, name: `first vector search over ${what} (builds the index)`, value: firstMs, unit: "ms" },
    { suite, name: `vector search over ${what}, limit 10, p50`, value: p50, unit: "ms", target: "< 50 ms", pass: p50 < 50 },
    { suite, name: `vector search over ${what}, limit 10, p99`, value: percentile(times, 99), unit: "ms" },
    { suite, name: `vector search over ${what}, limit 10, CPU time per search`, value: cpuMs, unit: "ms" },
    { suite, name: `vector search over ${what}, filter matching 1 in 10, p50`, value: percentile(filtered, 50), unit: "ms" },
    { suite, name: `resident memory with ${what} (documents and index)`, value: rssMb, unit: "MB" },
  ];
}

// Only when run as this file: bench/backend.ts imports it, and has a --child mode of its own.
if (process.argv[1] === SELF && process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4]!);

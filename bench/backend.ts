/**
 * Local backend benchmark on 100,000 customers: page latency of `customers:listByUser`,
 * mutation throughput, mutation-to-subscriber latency with 100 open subscriptions, upload and
 * download throughput of a 10 MiB file, the round trip of a trivial HTTP action, start-up time
 * and resident memory. Runs against a copy of the project's convex/ plus a small bench
 * module; if convex/customers.ts does not (yet) export listByUser, an equivalent stand-in
 * (the caller's personal workspace, newest first, 50-row pages) is used and the figure says so.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { startLocalBackend } from "../local-backend/index";
import { percentile, type BenchFigure, type BenchSuite } from "./suite";
import { vectorSearchFigures } from "./vector-search";

const ROWS = 100_000;
const PAGE = 50;
const SUBSCRIPTIONS = 100;
const ISSUER = "https://bench.local-backend.invalid";
const PROJECT_CONVEX = fileURLToPath(new URL("../convex", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const LOCAL_DIR = fileURLToPath(new URL("../.local", import.meta.url));

const BENCH_MODULE = `
import { ConvexError, v } from "convex/values";
import { paginationOptsValidator } from "convex/server";
import { mutation, query, type QueryCtx } from "./_generated/server";

async function owner(ctx: QueryCtx) {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new ConvexError({ code: "UNAUTHENTICATED" });
  const userId = identity.tokenIdentifier;
  const personal = await ctx.db.query("workspaces").withIndex("by_owner", (q) => q.eq("ownerId", userId)).unique();
  return { userId, workspaceId: personal?._id };
}

export const listByUser = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const { workspaceId } = await owner(ctx);
    return await ctx.db.query("customers").withIndex("by_workspace", (q) => q.eq("workspaceId", workspaceId)).order("desc").paginate(paginationOpts);
  },
});

export const create = mutation({
  args: { name: v.string(), email: v.string() },
  handler: async (ctx, { name, email }) => {
    const { userId, workspaceId } = await owner(ctx);
    return await ctx.db.insert("customers", { ...(workspaceId ? { workspaceId } : {}), userId, name, email, status: "lead", searchText: name + " " + email });
  },
});

export const generateUploadUrl = mutation({ args: {}, handler: async (ctx) => await ctx.storage.generateUploadUrl() });

export const fileUrl = query({
  args: { storageId: v.id("_storage") },
  handler: async (ctx, { storageId }) => await ctx.storage.getUrl(storageId),
});
`;

const FILE_BYTES = 10 * 2 ** 20;
const FILE_ROUNDS = 10;

/** Upload and download throughput of a 10 MiB file (MiB/s, the median of 10 each): the POST to an upload URL, the GET of its file URL. */
async function measureFileStorage(http: ConvexHttpClient): Promise<{ uploadMiBs: number; downloadMiBs: number }> {
  const body = randomBytes(FILE_BYTES);
  const generateUploadUrl = makeFunctionReference<"mutation", Record<string, never>, string>(
    "benchLocalBackend:generateUploadUrl",
  );
  const fileUrl = makeFunctionReference<"query", { storageId: string }, string | null>("benchLocalBackend:fileUrl");
  const uploads: number[] = [];
  const downloads: number[] = [];
  for (let i = 0; i < FILE_ROUNDS; i++) {
    const uploadUrl = await http.mutation(generateUploadUrl, {});
    let t0 = performance.now();
    const response = await fetch(uploadUrl, { method: "POST", body, headers: { "Content-Type": "application/octet-stream" } });
    const { storageId } = (await response.json()) as { storageId: string };
    uploads.push(FILE_BYTES / 2 ** 20 / ((performance.now() - t0) / 1000));
    const url = await http.query(fileUrl, { storageId });
    t0 = performance.now();
    const bytes = await (await fetch(url!)).arrayBuffer();
    downloads.push(FILE_BYTES / 2 ** 20 / ((performance.now() - t0) / 1000));
    if (bytes.byteLength !== FILE_BYTES) throw new Error(`downloaded ${bytes.byteLength} bytes, uploaded ${FILE_BYTES}`);
  }
  return { uploadMiBs: percentile(uploads, 50), downloadMiBs: percentile(downloads, 50) };
}

/** The bench's own convex/http.ts (replacing the copy's, if the project has one): one trivial route. */
const BENCH_HTTP = `
import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

const http = httpRouter();
http.route({ path: "/bench/ping", method: "GET", handler: httpAction(async () => new Response("pong")) });
export default http;
`;
const HTTP_ROUND_TRIPS = 100;

function customer(userId: string, workspaceId: string, i: number) {
  const name = `Customer ${String(i).padStart(6, "0")}`;
  const email = `customer${i}@example.com`;
  const company = `Company ${i % 997}`;
  const status = (["lead", "active", "inactive"] as const)[i % 3]!;
  return { workspaceId, userId, name, email, company, status, searchText: `${name} ${email} ${company}` };
}

async function prepareFunctions(dir: string): Promise<{ listPath: string; standIn: boolean }> {
  await cp(PROJECT_CONVEX, dir, { recursive: true });
  await writeFile(join(dir, "benchLocalBackend.ts"), BENCH_MODULE);
  await writeFile(join(dir, "http.ts"), BENCH_HTTP);
  const customers = await readFile(join(PROJECT_CONVEX, "customers.ts"), "utf8").catch(() => "");
  const real = /export const listByUser\b/.test(customers);
  return { listPath: real ? "customers:listByUser" : "benchLocalBackend:listByUser", standIn: !real };
}

/** Child mode: start on a seeded data dir, report start-up time and RSS, then exit. */
async function child(dataDir: string, functionsDir: string, env: string) {
  const started = performance.now();
  const backend = await startLocalBackend({
    port: 0,
    dataDir,
    functionsDir,
    env: JSON.parse(env) as Record<string, string>,
    log: () => undefined,
  });
  const res = await fetch(`${backend.url}/version`);
  const startupMs = performance.now() - started;
  if (!res.ok) throw new Error("not ready");
  (globalThis as { gc?: () => void }).gc?.();
  // Let the start-up warm-up (index sorting, search index) finish before measuring memory.
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write(`${JSON.stringify({ startupMs, rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
  await backend.close();
}

async function measureStartup(dataDir: string, functionsDir: string, env: Record<string, string>) {
  // node with tsx as a loader (not the tsx CLI, which would add a grandchild process).
  const proc = spawn(
    process.execPath,
    ["--expose-gc", "--import", "tsx", SELF, "--child", dataDir, functionsDir, JSON.stringify(env)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`start-up child exited with ${code}`)));
  });
  await new Promise((r) => proc.once("exit", r));
  return JSON.parse(line) as { startupMs: number; rssMb: number };
}

async function run(): Promise<BenchFigure[]> {
  // Inside the project (.local/ is git-ignored) so the bundle resolves the project's node_modules.
  await mkdir(LOCAL_DIR, { recursive: true });
  const root = await mkdtemp(join(LOCAL_DIR, "bench-backend-"));
  const functionsDir = join(root, "convex");
  const dataDir = join(root, "data");
  try {
    const { listPath, standIn } = await prepareFunctions(functionsDir);
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256" };
    const env = {
      LOCAL_AUTH_ISSUER: ISSUER,
      LOCAL_AUTH_JWKS: `data:application/json;base64,${Buffer.from(JSON.stringify({ keys: [jwk] })).toString("base64")}`,
    };
    const token = (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "bench" })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience("convex")
        .setIssuedAt()
        .setExpirationTime("2h")
        .sign(privateKey);
    const heavyUser = `${ISSUER}|user-0`;

    // Seed through the trusted fast path, then measure a cold start on the seeded directory.
    let backend = await startLocalBackend({ port: 0, dataDir, functionsDir, env, log: () => undefined });
    const seedStart = performance.now();
    const [workspaceId] = await backend.bulkInsert("workspaces", [{ name: "Personal", kind: "personal", ownerId: heavyUser }]);
    await backend.bulkInsert("memberships", [{ workspaceId: workspaceId!, userId: heavyUser, role: "admin" }]);
    await backend.bulkInsert(
      "customers",
      Array.from({ length: ROWS }, (_, i) => customer(heavyUser, workspaceId!, i)),
    );
    const seedMs = performance.now() - seedStart;
    await backend.close();
    const { startupMs, rssMb } = await measureStartup(dataDir, functionsDir, env);

    backend = await startLocalBackend({ port: 0, dataDir, functionsDir, env, log: () => undefined });
    const http = new ConvexHttpClient(backend.url, { auth: await token("user-0") });
    const list = makeFunctionReference<"query">(listPath);
    const create = makeFunctionReference<"mutation">("benchLocalBackend:create");

    // Page latency: first pages and pages deep in the list, 50 rows each.
    const cursors: (string | null)[] = [null];
    let cursor: string | null = null;
    for (let i = 0; i < 40; i++) {
      const r = (await http.query(list, { paginationOpts: { numItems: PAGE, cursor } })) as {
        continueCursor: string;
        page: unknown[];
      };
      if (r.page.length !== PAGE) throw new Error(`expected a ${PAGE}-row page, got ${r.page.length}`);
      cursor = r.continueCursor;
      cursors.push(cursor);
    }
    const pageMs: number[] = [];
    for (let i = 0; i < 400; i++) {
      const c = cursors[i % cursors.length]!;
      const t0 = performance.now();
      await http.query(list, { paginationOpts: { numItems: PAGE, cursor: c } });
      pageMs.push(performance.now() - t0);
    }

    // HTTP action round trip: a trivial handler on the site URL, one request at a time.
    const httpActionMs: number[] = [];
    for (let i = 0; i < HTTP_ROUND_TRIPS; i++) {
      const t0 = performance.now();
      const response = await fetch(`${backend.siteUrl}/bench/ping`);
      if ((await response.text()) !== "pong") throw new Error(`HTTP action answered ${response.status}`);
      httpActionMs.push(performance.now() - t0);
    }

    // Mutation throughput: 2,000 inserts, 50 in flight at a time over HTTP.
    const writers = await Promise.all(
      Array.from({ length: 50 }, async (_, w) => new ConvexHttpClient(backend.url, { auth: await token(`writer-${w}`) })),
    );
    const MUTATIONS = 2000;
    const mStart = performance.now();
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = w; i < MUTATIONS; i += writers.length) await client.mutation(create, { name: `W${i}`, email: `w${i}@x` });
      }),
    );
    const throughput = MUTATIONS / ((performance.now() - mStart) / 1000);

    // Mutation-to-subscriber latency with 100 open subscriptions (one per user; user-0 has 100k rows).
    const clients: ConvexClient[] = [];
    let latest: { firstName: string | null; at: number } = { firstName: null, at: 0 };
    let ready = 0;
    for (let u = 0; u < SUBSCRIPTIONS; u++) {
      const client = new ConvexClient(backend.url);
      const t = await token(`user-${u}`);
      client.setAuth(async () => t);
      client.onUpdate(list, { paginationOpts: { numItems: PAGE, cursor: null } }, (r: { page: { name: string }[] }) => {
        if (u === 0) latest = { firstName: r.page[0]?.name ?? null, at: performance.now() };
        ready++;
      });
      clients.push(client);
    }
    const deadline = Date.now() + 20_000;
    while (ready < SUBSCRIPTIONS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const writer = clients[0]!;
    const updateMs: number[] = [];
    for (let i = 0; i < 100; i++) {
      const name = `Live ${i}`;
      const t0 = performance.now();
      await writer.mutation(create, { name, email: `live${i}@x` });
      while (latest.firstName !== name) await new Promise((r) => setImmediate(r));
      updateMs.push(latest.at - t0);
    }
    await Promise.all(clients.map((c) => c.close()));
    const { uploadMiBs, downloadMiBs } = await measureFileStorage(http);
    await backend.close();
    const vectorFigures = await vectorSearchFigures(join(root, "vectors"));

    const suite = "local-backend";
    const label = standIn ? " (stand-in for customers:listByUser)" : "";
    const fig = (name: string, value: number, unit: string, target?: string, pass?: boolean): BenchFigure =>
      target === undefined ? { suite, name, value, unit } : { suite, name, value, unit, target, pass: pass! };
    const p50 = percentile(pageMs, 50);
    const u50 = percentile(updateMs, 50);
    return [
      fig(`seed ${ROWS} customers (bulk)`, seedMs, "ms"),
      fig(`50-row page p50${label}`, p50, "ms", "< 5 ms", p50 < 5),
      fig(`50-row page p99${label}`, percentile(pageMs, 99), "ms"),
      fig("mutation throughput (50 concurrent HTTP clients)", throughput, "mutations/s"),
      fig(`mutation-to-update p50, ${SUBSCRIPTIONS} subscriptions`, u50, "ms", "< 10 ms", u50 < 10),
      fig(`mutation-to-update p99, ${SUBSCRIPTIONS} subscriptions`, percentile(updateMs, 99), "ms"),
      fig("upload of a 10 MiB file (p50)", uploadMiBs, "MiB/s"),
      fig("download of a 10 MiB file (p50)", downloadMiBs, "MiB/s"),
      fig("HTTP action round trip p50 (trivial handler)", percentile(httpActionMs, 50), "ms"),
      fig("HTTP action round trip p99 (trivial handler)", percentile(httpActionMs, 99), "ms"),
      fig(`start-up with ${ROWS} rows`, startupMs, "ms", "< 3000 ms", startupMs < 3000),
      fig(`resident memory with ${ROWS} rows`, rssMb, "MB", "< 300 MB", rssMb < 300),
      ...vectorFigures,
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export const backendSuite: BenchSuite = { name: "local-backend", run };

if (process.argv[2] === "--child") {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
} else if (process.argv[1] === SELF) {
  console.table(await run());
}

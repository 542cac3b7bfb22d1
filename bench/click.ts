/**
 * `npm run bench -- click [--against <commit>]` (issue 24): the click, measured for two builds in
 * one run, alternating, so a claim that one is faster is not the machine's mood. "this tree" is
 * the working tree as it is; "against" is a commit (default HEAD: an A/A run that shows this
 * machine's noise), built once in `.local/bench/builds/<sha>` from `git archive`. Both app
 * servers reach one local backend through one delay proxy at 50 ms round trip, and one Chromium
 * drives both. Per build: warm and fresh-context hovered clicks, a fresh-context phone tap, warm
 * keyboard, and /customers server renders at 20 connections. Prints the browser, the CPU and
 * both medians side by side. BENCH_CLICK_QUICK=1: warm clicks only; BENCH_CLICK_SSR=1: server renders only.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "@playwright/test";
import autocannon from "autocannon";
import {
  cookieHeader,
  focusEnter,
  freshNavigations,
  hoverClick,
  hoverClickFrame,
  hoverClickThreadTime,
  PHONE,
  tap,
  warmNavigations,
} from "./gestures";
import { startBenchStack } from "./stack";
import { type BenchFigure, type BenchSuite, percentile } from "./suite";

const root = fileURLToPath(new URL("..", import.meta.url));
const suiteName = "click";
const USER = "click@bench.local";
const ROUNDS = Number(process.env.BENCH_CLICK_ROUNDS ?? 2);
const NAVIGATIONS = Number(process.env.BENCH_NAVIGATIONS ?? 12);
const FRESH_CLICKS = Number(process.env.BENCH_FRESH_CLICKS ?? 6);
const SSR_SECONDS = Number(process.env.BENCH_SSR_SECONDS ?? 8);
const BASE_PORT = Number(process.env.BENCH_PORT ?? 3510);
/** Warm clicks only (wall time and main-thread CPU): for trying a change on a busy machine. */
const QUICK = process.env.BENCH_CLICK_QUICK === "1";
const SSR_ONLY = process.env.BENCH_CLICK_SSR === "1";
/** Issue 24's targets, as this tree's median over the other build's. */
const TARGETS: Record<string, { ratio: number; better: "lower" | "higher" }> = {
  "warm hovered click": { ratio: 0.5, better: "lower" },
  "warm hovered click, to the frame that shows it": { ratio: 0.5, better: "lower" },
  "warm hovered click, the page's main-thread CPU": { ratio: 0.5, better: "lower" },
  "fresh-context hovered click": { ratio: 0.7, better: "lower" },
  "fresh-context phone tap": { ratio: 1, better: "lower" },
  "warm keyboard Enter": { ratio: 1, better: "lower" },
  "SSR /customers throughput, 20 connections": { ratio: 1, better: "higher" },
  "SSR /customers app-server CPU per request": { ratio: 1, better: "lower" },
};

type Build = "tree" | "against";

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
}

/** A checkout of `sha` that its own `npm start` builds on first start; node_modules shared when the lockfile is the same. */
function checkoutOf(sha: string): string {
  const dir = join(root, ".local", "bench", "builds", sha);
  if (existsSync(join(dir, "package.json"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync("git", ["archive", sha], { cwd: root, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr.toString()}`);
  execFileSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  if (readFileSync(join(dir, "package-lock.json"), "utf8") === readFileSync(join(root, "package-lock.json"), "utf8")) {
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  } else {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  }
  return dir;
}

function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? "unknown CPU";
}

/** User and system CPU time of every process in a process group so far, in ms (Linux: /proc). */
function processGroupCpuMs(group: number): number {
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state is 3, pgrp 5, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / ticksPerSecond;
}

/**
 * /customers server renders at 20 connections: requests per second, and the app server's CPU
 * per request (its process group's CPU time over the requests answered), which a busy machine
 * disturbs far less than it does throughput.
 */
async function ssrLoad(
  url: string,
  cookie: string,
  processGroup: number,
): Promise<{ throughput: number; cpuPerRequest: number }> {
  const cpuBefore = processGroupCpuMs(processGroup);
  const result = await autocannon({
    url,
    connections: 20,
    duration: SSR_SECONDS,
    headers: { cookie, "sec-fetch-dest": "document" },
  });
  const cpu = processGroupCpuMs(processGroup) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`SSR load: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { throughput: result.requests.average, cpuPerRequest: cpu / result.requests.total };
}

export const clickSuite: BenchSuite = {
  name: suiteName,
  optIn: true,
  async run(flags) {
    const against = flags.against ?? "HEAD";
    const sha = git("rev-parse", "--verify", `${against}^{commit}`);
    const label = `${against === sha.slice(0, against.length) ? "" : `${against} = `}${sha.slice(0, 7)}`;
    const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
    const treeLabel = `this tree (${git("rev-parse", "--short", "HEAD")}${dirty ? " + changes" : ""})`;
    console.log(`[bench click] building ${label} in .local/bench/builds/ (once per commit)…`);
    const againstDir = checkoutOf(sha);

    const stack = await startBenchStack({
      // BASE_PORT + 1 is the backend's site port (HTTP actions).
      backendPort: BASE_PORT,
      proxyPort: BASE_PORT + 2,
      apps: {
        tree: { port: BASE_PORT + 3, env: { PRELOAD: "intent" } },
        // Its first start builds it (its own build script, its own build stamp).
        against: { port: BASE_PORT + 4, env: { PRELOAD: "intent" }, cwd: againstDir },
      },
    });
    const figures: BenchFigure[] = [];
    try {
      stack.seed(USER, 1_000);
      stack.proxy.oneWayMs = 25;
      const builds: Build[] = ["tree", "against"];
      const url = (build: Build) => stack.apps[build]!.url;
      const signedIn = {} as Record<Build, BrowserContext>;
      for (const build of builds) signedIn[build] = await stack.signedInContext(url(build), USER);
      const samples = new Map<string, Record<Build, number[]>>();
      const record = async (name: string, build: Build, measure: () => Promise<number[]>) => {
        let values: number[];
        try {
          values = await measure();
        } catch (error) {
          throw new Error(`${name} of ${build === "tree" ? treeLabel : label} failed`, { cause: error });
        }
        const entry = samples.get(name) ?? { tree: [], against: [] };
        entry[build].push(...values);
        samples.set(name, entry);
      };

      console.log(`[bench click] ${treeLabel} against ${label}: Chromium ${stack.browser.version()}, ${cpuModel()}`);
      for (let round = 0; round < ROUNDS; round++) {
        // ABBA: each build goes first as often as second.
        for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
          const fresh = (options = {}) => stack.freshContext(url(build), signedIn[build], options);
          if (!SSR_ONLY) {
            await record("warm hovered click", build, () => warmNavigations(signedIn[build], hoverClick, NAVIGATIONS));
            await record("warm hovered click, to the frame that shows it", build, () =>
              warmNavigations(signedIn[build], hoverClickFrame, NAVIGATIONS),
            );
            await record("warm hovered click, the page's main-thread CPU", build, () =>
              warmNavigations(signedIn[build], hoverClickThreadTime, NAVIGATIONS),
            );
            if (QUICK) continue;
            await record("fresh-context hovered click", build, () => freshNavigations(() => fresh(), hoverClick, FRESH_CLICKS));
            await record("fresh-context phone tap", build, () => freshNavigations(() => fresh(PHONE), tap, FRESH_CLICKS));
            await record("warm keyboard Enter", build, () => warmNavigations(signedIn[build], focusEnter, NAVIGATIONS));
          }
          const cookie = await cookieHeader(signedIn[build]);
          stack.proxy.oneWayMs = 0;
          const ssr = await ssrLoad(`${url(build)}/customers`, cookie, stack.apps[build]!.processGroup);
          await record("SSR /customers throughput, 20 connections", build, () => Promise.resolve([ssr.throughput]));
          await record("SSR /customers app-server CPU per request", build, () => Promise.resolve([ssr.cpuPerRequest]));
          stack.proxy.oneWayMs = 25;
        }
      }

      for (const [name, runs] of samples) {
        const ssr = name.startsWith("SSR");
        const unit = name.includes("throughput") ? "req/s" : "ms";
        const where = ssr ? "0 ms RTT" : "50 ms RTT";
        // A few load runs each: their mean. Clicks: the median of every sample.
        const summary = (values: number[]) => (ssr ? values.reduce((a, b) => a + b, 0) / values.length : percentile(values, 50));
        const tree = summary(runs.tree);
        const other = summary(runs.against);
        const ratio = tree / other;
        const target = TARGETS[name];
        figures.push(
          { suite: suiteName, name: `${name}, ${where}, ${treeLabel} (${ssr ? "mean" : "median"})`, value: tree, unit },
          { suite: suiteName, name: `${name}, ${where}, ${label} (${ssr ? "mean" : "median"})`, value: other, unit },
          {
            suite: suiteName,
            name: `${name}: this tree / ${sha.slice(0, 7)}`,
            value: ratio,
            unit: "x",
            ...(target
              ? {
                  target: `${target.better === "lower" ? "<=" : ">="} ${target.ratio}x`,
                  pass: target.better === "lower" ? ratio <= target.ratio : ratio >= target.ratio,
                }
              : {}),
          },
        );
      }
      figures.push({
        suite: suiteName,
        name: `Chromium ${stack.browser.version()} on ${cpuModel()}`,
        value: cpus().length,
        unit: "cores",
      });
    } finally {
      await stack.close();
    }
    return figures;
  },
};

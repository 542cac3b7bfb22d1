/**
 * `npm run bench [-- <suite> … [--flag value …]]`: runs the suites named (or every suite that is
 * not opt-in), prints one table, writes bench/results.json. Each suite measures side by side
 * within this one run. Flags go to the suites (`npm run bench -- click --against 09ea145`).
 */
import { writeFile } from "node:fs/promises";
import { backendSuite } from "./backend";
import { clickSuite } from "./click";
import { customersIoSuite } from "./customers-io";
import { filesSuite } from "./files";
import { productSuite } from "./product";
import type { BenchFigure, BenchSuite } from "./suite";
import { tabsSuite } from "./tabs";

const suites: BenchSuite[] = [backendSuite, productSuite, clickSuite, customersIoSuite, filesSuite, tabsSuite];

/** Suite names, and `--name value` flags. */
function parseArguments(args: string[]): { names: string[]; flags: Record<string, string> } {
  const names: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      names.push(arg);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value`);
    flags[arg.slice(2)] = value;
    i++;
  }
  return { names, flags };
}

async function main() {
  const { names, flags } = parseArguments(process.argv.slice(2));
  const unknown = names.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length)
    throw new Error(`No benchmark suite named ${unknown.join(", ")}; there are ${suites.map((s) => s.name).join(", ")}`);
  const selected = names.length ? suites.filter((s) => names.includes(s.name)) : suites.filter((s) => !s.optIn);
  const figures: BenchFigure[] = [];
  for (const suite of selected) {
    console.log(`▶ ${suite.name}`);
    figures.push(...(await suite.run(flags)));
  }
  console.table(
    figures.map((f) => ({
      suite: f.suite,
      figure: f.name,
      value: `${Number(f.value.toPrecision(4))} ${f.unit}`,
      target: f.target ?? "",
      met: f.pass === undefined ? "" : f.pass ? "yes" : "NO",
    })),
  );
  const results = { measuredAt: new Date().toISOString(), node: process.version, flags, figures };
  await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log("Wrote bench/results.json");
}

await main();

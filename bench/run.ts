/**
 * `npm run bench`: runs every suite, prints one table, writes bench/results.json.
 * Suites are listed here; each measures side by side within this one run.
 */
import { writeFile } from "node:fs/promises";
import { backendSuite } from "./backend";
import { productSuite } from "./product";
import type { BenchFigure, BenchSuite } from "./suite";

const suites: BenchSuite[] = [backendSuite, productSuite];

async function main() {
  const only = process.argv.slice(2);
  const selected = only.length ? suites.filter((s) => only.includes(s.name)) : suites;
  if (selected.length === 0) {
    console.log(`No benchmark suites${only.length ? ` named ${only.join(", ")}` : " yet"}.`);
    return;
  }
  const figures: BenchFigure[] = [];
  for (const suite of selected) {
    console.log(`▶ ${suite.name}`);
    figures.push(...(await suite.run()));
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
  const results = { measuredAt: new Date().toISOString(), node: process.version, figures };
  await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log("Wrote bench/results.json");
}

await main();

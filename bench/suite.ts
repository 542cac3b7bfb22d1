/** One figure a benchmark prints: a value, its unit, and the target it is held to, if any. */
export interface BenchFigure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "< 5 ms". */
  target?: string;
  /** Whether `value` meets `target`; absent when there is no target. */
  pass?: boolean;
}

export interface BenchSuite {
  name: string;
  /** Run only when named (`npm run bench -- <name>`), not in the full run. */
  optIn?: boolean;
  /** `flags`: the command line's `--name value` pairs. */
  run(flags: Record<string, string>): Promise<BenchFigure[]>;
}

/** The p-th percentile (0–100) of samples, by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  if (!samples.every(Number.isFinite)) throw new Error(`percentile: not every sample is a number (${samples.join(", ")})`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

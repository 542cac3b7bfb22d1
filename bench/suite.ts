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

/** The two preload settings compared: `PRELOAD=intent` (the app's) and `PRELOAD=off`. */
export type PreloadMode = "intent" | "off";

/** A suite's figure makers: `figure` one figure; `compare` the same gesture in both preload modes. */
export function suiteFigures(suite: string) {
  const figure = (name: string, value: number, unit: string, target?: string, pass?: boolean): BenchFigure => ({
    suite,
    name,
    value,
    unit,
    ...(target === undefined ? {} : { target, pass }),
  });
  /** Medians, p90s and the speed-up of `off` over `intent`, with the targets given. */
  const compare = (label: string, runs: Record<PreloadMode, number[]>, targets: { median?: number; speedUp?: number } = {}) => {
    const intent = percentile(runs.intent, 50);
    const off = percentile(runs.off, 50);
    const { median, speedUp } = targets;
    return [
      median === undefined
        ? figure(`${label}, intent (median)`, intent, "ms")
        : figure(`${label}, intent (median)`, intent, "ms", `<= ${median} ms`, intent <= median),
      figure(`${label}, intent (p90)`, percentile(runs.intent, 90), "ms"),
      figure(`${label}, off (median)`, off, "ms"),
      figure(`${label}, off (p90)`, percentile(runs.off, 90), "ms"),
      speedUp === undefined
        ? figure(`${label}, speed-up off/intent`, off / intent, "x")
        : figure(`${label}, speed-up off/intent`, off / intent, "x", `>= ${speedUp}x`, off / intent >= speedUp),
    ];
  };
  return { figure, compare };
}

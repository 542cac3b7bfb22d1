/**
 * The function's own stack frames, as Convex appends them to a failed function's error
 * (convex-backend crates/common/src/errors.rs: `JsError::from_frames` and `FrameData`'s Display;
 * npm-packages/udf-runtime/src/errors.ts collects V8's call sites). Runs in a function worker,
 * only when an error is reported: frames are mapped through the build's source maps to the
 * developer's files, named as the Convex CLI's build names them (relative to `<project>/out/`,
 * where the CLI writes each module), and frames Convex would not show are left out.
 */
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** What V8 tells of one frame, as plain data (a CallSite keeps its function and receiver alive). */
export interface FrameData {
  typeName: string | null;
  functionName: string | null;
  methodName: string | null;
  fileName: string | null;
  lineNumber: number | null;
  columnNumber: number | null;
  evalOrigin: string | null;
  isEval: boolean;
  isNative: boolean;
  isConstructor: boolean;
  isAsync: boolean;
  isPromiseAll: boolean;
  promiseIndex: number | null;
}

export function frameData(site: NodeJS.CallSite): FrameData {
  return {
    typeName: site.getTypeName(),
    functionName: site.getFunctionName(),
    methodName: site.getMethodName(),
    fileName: site.getFileName() ?? null,
    lineNumber: site.getLineNumber(),
    columnNumber: site.getColumnNumber(),
    evalOrigin: site.getEvalOrigin() ?? null,
    isEval: site.isEval(),
    isNative: site.isNative(),
    isConstructor: site.isConstructor(),
    isAsync: site.isAsync(),
    isPromiseAll: site.isPromiseAll(),
    promiseIndex: site.getPromiseIndex(),
  };
}

/** Convex's harness code (its udf-runtime, the `convex` package's server implementation). */
function isHarness(frame: FrameData): boolean {
  return (
    frame.fileName !== null && (frame.fileName.includes("udf-runtime/src") || frame.fileName.includes("convex/src/server/impl"))
  );
}

function location(frame: FrameData): string {
  if (frame.isNative) return "native";
  let text = frame.fileName ?? (frame.isEval && frame.evalOrigin ? `${frame.evalOrigin}, <anonymous>` : "<anonymous>");
  if (frame.lineNumber !== null) {
    text += `:${frame.lineNumber}`;
    if (frame.columnNumber !== null) text += `:${frame.columnNumber}`;
  }
  return text;
}

/**
 * One frame line as Convex writes it. Convex never learns whether a frame is top-level (its
 * runtime sends `isToplevel`, its backend reads `isTopLevel`), so every call that is not a
 * constructor is written as a method call: `    at name (file:line:col)`, `<anonymous>` when unnamed.
 */
export function formatFrame(frame: FrameData): string {
  let text = "    at ";
  if (frame.isAsync) text += "async ";
  if (frame.isPromiseAll && frame.promiseIndex !== null) text += `Promise.all (index ${frame.promiseIndex})`;
  if (frame.isConstructor) {
    text += `new ${frame.functionName ?? "<anonymous>"}`;
  } else if (frame.functionName !== null) {
    if (frame.typeName !== null && frame.functionName.startsWith(frame.typeName)) text += `${frame.typeName}.`;
    text += frame.functionName;
    if (frame.methodName !== null && frame.functionName.endsWith(frame.methodName)) text += ` [as ${frame.methodName}]`;
  } else {
    if (frame.typeName !== null) text += `${frame.typeName}.`;
    text += frame.methodName ?? "<anonymous>";
  }
  return `${text} (${location(frame)})`;
}

/** Maps frames of one build of `convex/` back to the developer's files; maps load on first use. */
export class FrameMapper {
  private readonly maps = new Map<string, SourceMap | null>();
  private readonly buildDir: string;

  constructor(
    buildDir: string,
    /** Where the Convex CLI would run: the project holding `convex/`. */
    private readonly projectDir: string,
  ) {
    this.buildDir = resolve(buildDir) + sep;
  }

  /**
   * The frames Convex would append for a function of `module` (`lib/util` for `lib/util:fn`), one
   * line each, ending in a newline ("" when none are left). As in Convex, frames without a source
   * map (here: node's internals and the local backend's own worker) are left out, and so are the
   * harness frames before the first and after the last of the function's own.
   */
  format(frames: FrameData[], module: string): string {
    // The CLI writes `convex/a/b.ts` to `out/a/b.js`, so its map names sources relative to `out/a/`.
    const outDir = join(this.projectDir, "out", dirname(module));
    const kept: FrameData[] = [];
    for (const frame of frames) {
      const mapped = frame.fileName === null ? frame : this.map(frame, outDir);
      if (!mapped || (kept.length === 0 && isHarness(mapped))) continue;
      kept.push(mapped);
    }
    while (kept.length > 0 && isHarness(kept[kept.length - 1]!)) kept.pop();
    return kept.map((frame) => `${formatFrame(frame)}\n`).join("");
  }

  private map(frame: FrameData, outDir: string): FrameData | null {
    if (!frame.fileName?.startsWith("file:") || frame.lineNumber === null || frame.columnNumber === null) return null;
    const file = fileURLToPath(frame.fileName);
    if (!file.startsWith(this.buildDir)) return null;
    const map = this.sourceMap(file);
    // V8 counts lines and columns from 1, source maps from 0.
    const entry = map?.findEntry(frame.lineNumber - 1, frame.columnNumber - 1);
    if (!entry || !("originalSource" in entry)) return null;
    const source = resolve(dirname(file), entry.originalSource);
    return {
      ...frame,
      fileName: relative(outDir, source).split(sep).join(posix.sep),
      lineNumber: entry.originalLine + 1,
      columnNumber: entry.originalColumn + 1,
    };
  }

  private sourceMap(file: string): SourceMap | null {
    let map = this.maps.get(file);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")) as SourceMapPayload);
      } catch {
        map = null;
      }
      this.maps.set(file, map);
    }
    return map;
  }
}

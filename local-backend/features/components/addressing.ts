/**
 * How a function names another one across components (convex/src/server/components/paths.ts,
 * `getFunctionAddress`): a reference into a child component (`components.<name>.<module>.<fn>`
 * is `_reference/childComponent/<name>/<module path>/<fn>`), or a function handle
 * (`createFunctionHandle`). A child component's functions are reachable from its parent only
 * through references, and only its public ones (what Convex exports of it,
 * crates/model/src/components/mod.rs `resolve_export`); a handle reaches any function, as in
 * Convex. Handles are `function://<id>#<name>` as Convex writes them
 * (crates/common/src/bootstrap_model/components/handles.rs); where Convex keeps one document per
 * function, the id here is a MAC of the function's component and path under a key derived
 * from the deployment's secret: stable across restarts and reloads, valid for no other
 * deployment, and impossible to forge.
 */
import { createHmac } from "node:crypto";
import { encodeDocumentId, tableNumberOfId } from "../../database/ids";
import { deriveKey, loadDeploymentSecret } from "../../database/secret";
import { UserError } from "../../database/transaction";
import type { LoadedComponent, LoadedFunction } from "../../runtime/modules";
import type { FunctionAddressing } from "../../runtime/runtime";

const FUNCTION_HANDLE_PREFIX = "function://";
/** The table number a handle's id carries (Convex's handles are documents of a system table). */
const FUNCTION_HANDLES_TABLE_NUMBER = 9001;
const HANDLE_ID_BYTES = 16;

/** `a/b:fn` from the export path `a`, `b`, `fn` (crates/common/src/components `export_to_udf_path`). */
function exportToUdfPath(attributes: string[]): string | null {
  if (attributes.length < 2 || attributes.some((a) => a === "")) return null;
  return `${attributes.slice(0, -1).join("/")}:${attributes[attributes.length - 1]!}`;
}

export class ComponentAddressing implements FunctionAddressing {
  /** Each loaded tree's functions by handle id (a reload makes a new tree). */
  private readonly byHandle = new WeakMap<ReadonlyMap<string, LoadedComponent>, Map<string, LoadedFunction>>();

  constructor(private readonly secret: Buffer) {}

  static forDataDir(dataDir: string): ComponentAddressing {
    return new ComponentAddressing(deriveKey(loadDeploymentSecret(dataDir), "function handles"));
  }

  private handleId(fn: LoadedFunction): string {
    const mac = createHmac("sha256", this.secret).update(`${fn.component}\u0000${fn.path}`).digest();
    return encodeDocumentId(FUNCTION_HANDLES_TABLE_NUMBER, mac.subarray(0, HANDLE_ID_BYTES));
  }

  createHandle(fn: LoadedFunction): string {
    // The name after `#` is advisory (Convex's `strip()`ped path); only the id counts.
    return `${FUNCTION_HANDLE_PREFIX}${this.handleId(fn)}#${fn.path.replace(/:default$/, "")}`;
  }

  resolveHandle(components: ReadonlyMap<string, LoadedComponent>, handle: string, op: string): LoadedFunction {
    const id = handle.startsWith(FUNCTION_HANDLE_PREFIX) ? handle.slice(FUNCTION_HANDLE_PREFIX.length).split("#")[0]! : null;
    if (id === null || tableNumberOfId(id) !== FUNCTION_HANDLES_TABLE_NUMBER) {
      throw new UserError(`Invalid argument \`functionHandle\` for \`${op}\`: Invalid function handle ${handle}`);
    }
    let index = this.byHandle.get(components);
    if (!index) {
      index = new Map();
      for (const component of components.values()) {
        for (const fn of component.functions.values()) index.set(this.handleId(fn), fn);
      }
      this.byHandle.set(components, index);
    }
    const fn = index.get(id);
    if (!fn) throw new UserError("Function handle not found");
    return fn;
  }

  resolveReference(components: ReadonlyMap<string, LoadedComponent>, from: string, reference: string): LoadedFunction | string {
    const parts = reference.split("/");
    if (parts[0] !== "_reference") throw new UserError(`Invalid reference ${reference}`);
    if (parts[1] === "function") return parts.slice(2).join("/");
    if (parts[1] !== "childComponent" || parts.length < 3) throw new UserError(`Invalid reference ${reference}`);
    const [name, ...attributes] = parts.slice(2) as [string, ...string[]];
    // Convex's wording when an action's reference resolves to nothing (action/task_executor.rs).
    const unresolved = () => new UserError(`Couldn't resolve ${[name, ...attributes].join(".")}`);
    const childPath = components.get(from)?.children.get(name);
    const udfPath = exportToUdfPath(attributes);
    if (childPath === undefined || udfPath === null) throw unresolved();
    const fn = components.get(childPath)?.functions.get(udfPath);
    if (!fn || fn.visibility !== "public") throw unresolved();
    return fn;
  }
}

/**
 * The app's tree of component instances, from what each definition's `convex.config` exports
 * (`export()` of `defineApp()`/`defineComponent()`, convex/src/server/components/index.ts): each
 * `use(child, { name, env })` makes an instance at `<parent path>/<name>` ("" is the app), so
 * two instances of one definition are two namespaces. Inside a component, `process.env` holds
 * only what its parent passes it (`env`, a value or a reference to one of the parent's
 * variables) and the deployment's URLs, as in Convex (crates/isolate/src/environment/udf/
 * phase.rs, `get_environment_variable`): never the app's own variables.
 */
import type { JSONValue } from "convex/values";
import type { ComponentInstance, ComponentPlan } from "../../runtime/modules";

type EnvBinding = { type: "value"; value: string } | { type: "envVar"; name: string };

interface Instantiation {
  name: string;
  path: string;
  env: [string, EnvBinding][] | null;
}

/** Convex's identifier rule for component names (crates/convex/sync_types/src/identifier.rs). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The system variables a component sees (CONVEX_SITE_URL with its HTTP prefix, when mounted under one). */
function systemEnv(appEnv: Record<string, string>, httpPrefix: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (appEnv.CONVEX_CLOUD_URL !== undefined) env.CONVEX_CLOUD_URL = appEnv.CONVEX_CLOUD_URL;
  if (appEnv.CONVEX_SITE_URL !== undefined) {
    env.CONVEX_SITE_URL = `${appEnv.CONVEX_SITE_URL.replace(/\/+$/, "")}${httpPrefix.replace(/\/+$/, "")}`;
  }
  return env;
}

function instantiations(exported: JSONValue | undefined, definitionPath: string): Instantiation[] {
  const children = (exported as { childComponents?: unknown } | null | undefined)?.childComponents;
  if (!Array.isArray(children)) {
    throw new Error(`The convex.config of ${definitionPath || "the app"} did not export a component definition`);
  }
  return children as Instantiation[];
}

/** HTTP prefix → child name, from a definition's `httpMounts` (`_reference/childComponent/<name>`). */
function httpPrefixes(exported: JSONValue | undefined): Map<string, string> {
  const mounts = (exported as { httpMounts?: Record<string, string> } | null | undefined)?.httpMounts ?? {};
  return new Map(Object.entries(mounts).map(([prefix, reference]) => [reference.split("/").pop() ?? "", prefix]));
}

export function componentInstances(
  plan: ComponentPlan,
  exported: Record<string, JSONValue>,
  appEnv: Record<string, string>,
): ComponentInstance[] {
  const known = new Set(plan.definitions.map((d) => d.path));
  const out: ComponentInstance[] = [];
  const visit = (path: string, definitionPath: string, env: Record<string, string>, httpPrefix: string): void => {
    const children: Record<string, string> = {};
    const prefixes = httpPrefixes(exported[definitionPath]);
    for (const child of instantiations(exported[definitionPath], definitionPath)) {
      if (!IDENTIFIER.test(child.name) || child.name.length > 64 || /^_+$/.test(child.name)) {
        throw new Error(
          `Invalid component name ${JSON.stringify(child.name)}: Identifiers must start with a letter and can only contain letters, digits, and underscores.`,
        );
      }
      if (children[child.name] !== undefined) {
        throw new Error(`The component name ${JSON.stringify(child.name)} is used twice in ${definitionPath || "the app"}`);
      }
      if (!known.has(child.path)) throw new Error(`Component definition ${child.path} was not found`);
      const childPath = path === "" ? child.name : `${path}/${child.name}`;
      children[child.name] = childPath;
      const childPrefix = `${httpPrefix.replace(/\/+$/, "")}${prefixes.get(child.name) ?? ""}`;
      const childEnv = systemEnv(appEnv, childPrefix);
      for (const [name, binding] of child.env ?? []) {
        // A reference binds the parent's variable as it is now (unset stays unset).
        const value = binding.type === "value" ? binding.value : env[binding.name];
        if (value !== undefined) childEnv[name] = value;
      }
      visit(childPath, child.path, childEnv, childPrefix);
    }
    out.push({ path, definitionPath, env, children });
  };
  visit("", "", appEnv, "");
  return out;
}

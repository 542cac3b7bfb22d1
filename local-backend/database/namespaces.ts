/**
 * Table namespaces (Convex components): each component instance has tables of its own, apart
 * from the app's, from other components' and from another instance of the same component. A
 * table is stored under its qualified name: the app's tables keep their plain names (so data
 * written before components existed is untouched), a component's are `<component path>/<table>`
 * (`rateLimiter/rateLimits`, `rateLimiter/batchWorker/_scheduled_functions`). Table names never
 * contain a `/`, so the last segment is always the table. Table numbers stay unique across the
 * whole deployment, so an id of one namespace never names a document of another.
 */

/** The namespace of the app (the root component). */
export const APP_NAMESPACE = "";

export function qualifiedTableName(namespace: string, table: string): string {
  return namespace === APP_NAMESPACE ? table : `${namespace}/${table}`;
}

export function splitTableName(qualified: string): { namespace: string; table: string } {
  const slash = qualified.lastIndexOf("/");
  return slash < 0
    ? { namespace: APP_NAMESPACE, table: qualified }
    : { namespace: qualified.slice(0, slash), table: qualified.slice(slash + 1) };
}

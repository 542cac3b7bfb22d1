/**
 * The project's convex/ under convex-test (Convex's in-memory reference implementation), with
 * the components convex.config.ts installs registered as it names them.
 */
import aggregate from "@convex-dev/aggregate/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import { convexTest } from "convex-test";
import schema from "./schema";

const modules = import.meta.glob(["./**/*.{ts,js}", "!./**/*.test.ts", "!./test.setup.ts", "!./test.team.ts"]);

export function projectConvexTest() {
  const t = convexTest(schema, modules);
  aggregate.register(t, "customerCounts");
  rateLimiter.register(t);
  return t;
}

/** `npm run codegen [-- <project dir>]`: `convex/_generated/` as the pinned Convex CLI writes it, offline (ADR 004). */
import { generate } from "./lib/codegen";

await generate(process.argv[2] ?? ".");

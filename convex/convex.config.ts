import aggregate from "@convex-dev/aggregate/convex.config";
import { defineApp } from "convex/server";

const app = defineApp();
// The customers list's live status counts and weekly chart (convex/lib/customerCounts.ts).
app.use(aggregate, { name: "customerCounts" });

export default app;

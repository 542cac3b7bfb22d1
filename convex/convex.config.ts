import aggregate from "@convex-dev/aggregate/convex.config";
import rateLimiter from "@convex-dev/rate-limiter/convex.config";
import { defineApp } from "convex/server";

const app = defineApp();
// The customers list's live status counts and weekly chart (convex/lib/customerCounts.ts).
app.use(aggregate, { name: "customerCounts" });
// Web-to-lead's leads per workspace (convex/webToLead.ts).
app.use(rateLimiter);

export default app;

/** Scheduled jobs (Convex cron jobs; the local backend runs them as Convex does). */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Receipts let a retried import batch write nothing twice; after a day no retry is coming.
crons.daily("forget import receipts", { hourUTC: 3, minuteUTC: 30 }, internal.imports.forgetReceipts, {});
// Invitations expire 14 days after they are sent (convex/workspaces.ts). The minute is left to
// Convex, which spreads jobs over the hour.
crons.daily("expire invitations", { hourUTC: 3 }, internal.workspaces.expireInvitations, {});
// An upload never attached to a customer (the tab closed mid-way) is deleted once a day old.
crons.daily("forget unattached uploads", { hourUTC: 4 }, internal.files.forgetUnattachedUploads, {});

export default crons;

import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Receipts let a retried import batch write nothing twice; after a day no retry is coming.
crons.daily("forget import receipts", { hourUTC: 3, minuteUTC: 30 }, internal.imports.forgetReceipts, {});

export default crons;

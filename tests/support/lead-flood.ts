/**
 * Uses up a workspace's web-to-lead limit and keeps it used up: the minute's leads at once, then
 * each one the bucket refills (a lead a second), straight through the mutation an HTTP request
 * runs. A test's own HTTP post then meets an empty bucket however slow the machine makes it (on
 * a busy machine a browser's post can take as long as the refill of one lead).
 */
import type { ConvexHttpClient } from "convex/browser";
import { internal } from "../../convex/_generated/api";
import { LEADS_PER_MINUTE, presentedToken } from "../../convex/lib/webToLead";
import { asPublic } from "./admin-client";

export interface LeadFlood {
  /** How many of the first `LEADS_PER_MINUTE` leads were created (all of them, on a fresh bucket). */
  created: number;
  stop(): Promise<void>;
}

/** `admin` is a client with the admin key (internal functions); `token` the workspace's. */
export async function floodLeads(admin: ConvexHttpClient, token: string): Promise<LeadFlood> {
  const presented = await presentedToken(token);
  if (presented === null) throw new Error(`not a web-to-lead token: ${token}`);
  const lead = { name: "Flood", email: "flood@example.com" };
  const submit = () => admin.mutation(asPublic(internal.webToLead.submit), { ...presented, lead });
  const first = await Promise.all(Array.from({ length: LEADS_PER_MINUTE }, submit));
  let flooding = true;
  const running = (async () => {
    while (flooding) await Promise.all([submit(), new Promise((resolve) => setTimeout(resolve, 50))]);
  })();
  return {
    created: first.filter((result) => result.outcome === "created").length,
    async stop() {
      flooding = false;
      await running;
    },
  };
}

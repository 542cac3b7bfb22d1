/**
 * A team for convex-test tests of what belongs to a customer (notes, files): Ada (admin), Grace
 * and Linus (members), Mallory outside, and one customer. Not a Convex module (the second dot).
 */
import { ConvexError } from "convex/values";
import { expect } from "vitest";
import { api } from "./_generated/api";
import { projectConvexTest } from "./test.setup";

const ISSUER = "https://issuer.test";

export async function customerTeam() {
  const t = projectConvexTest();
  const as = (email: string, name: string) =>
    t.withIdentity({ subject: email, issuer: ISSUER, email, emailVerified: true, name });
  const [ada, grace, linus, mallory] = [
    as("ada@example.com", "Ada"),
    as("grace@example.com", "Grace"),
    as("linus@example.com", "Linus"),
    as("mallory@example.com", "Mallory"),
  ];
  const workspaceId = await ada.mutation(api.workspaces.create, { name: "Analytical" });
  for (const [member, email] of [
    [grace, "grace@example.com"],
    [linus, "linus@example.com"],
  ] as const) {
    const invitationId = await ada.mutation(api.workspaces.invite, { workspaceId, email, role: "member" });
    await member.mutation(api.workspaces.acceptInvitation, { invitationId });
  }
  const customerId = await ada.mutation(api.customers.create, { workspaceId, name: "Babbage", email: "charles@example.com" });
  return { t, ada, grace, linus, mallory, workspaceId, customerId };
}
export type TeamCaller = Awaited<ReturnType<typeof customerTeam>>["ada"];

/** The ConvexError data a call is refused with (the test fails if it is not refused so). */
export async function errorOf(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await call.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

import { expect, type Page, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { convexAs, signedInContext as person, signIn, teamOf, uniqueEmail, watchForPendingUi } from "./support/users";

/** Marks the document, so a later check can tell that no reload happened. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  return async () => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

test("invite → accept: both see the team's table, and a member's edit appears live in the admin's open table", async ({
  browser,
}) => {
  test.slow();
  const adminEmail = uniqueEmail("admin");
  const memberEmail = uniqueEmail("member");
  const admin = await person(browser, adminEmail);
  const member = await person(browser, memberEmail);

  // The admin creates the team and invites the member through the pages.
  await admin.page.getByRole("link", { name: "Workspaces" }).click();
  await admin.page.getByLabel("Team name").fill("Acme Sales");
  await admin.page.getByRole("button", { name: "Create team" }).click();
  await expect(admin.page.getByRole("heading", { name: "Acme Sales" })).toBeVisible();
  // The address bar follows the page within a frame (app/lib/url-after-paint.ts).
  await expect(admin.page).toHaveURL(/\/workspaces\/[^/]+$/);
  const workspaceId = new URL(admin.page.url()).pathname.split("/").pop() as Id<"workspaces">;
  await admin.page.getByLabel("Email to invite").fill(memberEmail.toUpperCase());
  await admin.page.getByRole("button", { name: "Send invitation" }).click();
  await expect(admin.page.getByRole("status")).toContainText(`Invitation sent to ${memberEmail}`);
  await (
    await convexAs(adminEmail)
  ).mutation(api.customers.createMany, {
    workspaceId,
    customers: [
      { name: "Team Customer", email: "team@example.com" },
      { name: "Second Customer", email: "second@example.com" },
    ],
  });

  // The member sees the invitation live on the Workspaces page, accepts, and lands in the team.
  await member.page.getByRole("link", { name: "Workspaces" }).click();
  const invitation = member.page.getByTestId("invitation");
  await expect(invitation).toContainText("Acme Sales");
  await expect(invitation).toContainText(adminEmail);
  await invitation.getByRole("button", { name: "Accept" }).click();
  await expect(member.page).toHaveURL(new RegExp(`/customers\\?workspace=${workspaceId}$`));
  await expect(member.page.getByTestId("customer-row")).toHaveText(["Second Customer", "Team Customer"]);
  await expect(member.page.getByTestId("workspace-switcher").locator("summary")).toHaveText("Acme Sales");

  // The admin opens the same shared URL.
  await admin.page.goto(`/customers?workspace=${workspaceId}`);
  const adminRows = admin.page.getByTestId("customer-row");
  await expect(adminRows).toHaveText(["Second Customer", "Team Customer"]);
  const sameDocument = await markDocument(admin.page);

  // The member edits a row; the admin's open table follows without a reload.
  await member.page.getByTestId("customer-row").filter({ hasText: "Team Customer" }).click();
  await member.page.getByTestId("customer-detail").getByRole("link", { name: "Edit" }).click();
  await expect(member.page).toHaveURL(new RegExp(`/edit\\?workspace=${workspaceId}$`));
  await member.page.getByLabel("Name").fill("Renamed By Member");
  await member.page.getByRole("button", { name: "Save changes" }).click();
  await expect(member.page.getByRole("heading", { level: 1 })).toHaveText("Renamed By Member");
  // Members create and edit; deleting is for admins.
  await expect(member.page.getByTestId("customer-detail").getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(adminRows).toHaveText(["Second Customer", "Renamed By Member"]);
  expect(await sameDocument()).toBe(true);

  // Personal workspaces stay apart.
  await member.page.getByTestId("workspace-switcher").locator("summary").click();
  await member.page.getByTestId("workspace-switcher").getByRole("link", { name: "Personal" }).click();
  await expect(member.page).toHaveURL(/\/customers$/);
  await expect(member.page.getByText("No customers yet.")).toBeVisible();
  await admin.context.close();
  await member.context.close();
});

test("a removed member's open page loses access at once; a non-member gets 404 for a team customer's URL", async ({
  browser,
}) => {
  // Three people, each signing in through the form.
  test.slow();
  const adminEmail = uniqueEmail("admin");
  const memberEmail = uniqueEmail("member");
  const outsiderEmail = uniqueEmail("outsider");
  const workspaceId = await teamOf("Globex", adminEmail, [memberEmail]);
  const [customerId] = await (
    await convexAs(adminEmail)
  ).mutation(api.customers.createMany, {
    workspaceId,
    customers: [{ name: "Confidential Lead", email: "lead@example.com", notes: "Budget approved" }],
  });
  const teamUrl = `/customers/${customerId}?workspace=${workspaceId}`;

  // A third person, not in the team: the same 404 as for an id that does not exist.
  const outsider = await person(browser, outsiderEmail);
  for (const url of [teamUrl, `/customers/${customerId}`, `/customers?workspace=${workspaceId}`, `/workspaces/${workspaceId}`]) {
    const response = await outsider.page.goto(url);
    expect(response?.status(), url).toBe(404);
    await expect(outsider.page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(outsider.page.getByText("Confidential Lead")).toHaveCount(0);
  }

  // The member's first page of the team is server-rendered with the team's rows.
  const member = await person(browser, memberEmail);
  const response = await member.page.goto(teamUrl);
  expect(response?.status()).toBe(200);
  expect(await response?.text()).toContain("Budget approved");
  await expect(member.page.getByTestId("customer-detail")).toContainText("Budget approved");
  const sameDocument = await markDocument(member.page);

  const admin = await person(browser, adminEmail);
  await admin.page.goto(`/workspaces/${workspaceId}`);
  await expect(admin.page.getByTestId("member-row")).toHaveCount(2);
  // Removing a teammate asks first; Keep leaves them in.
  await admin.page.getByRole("button", { name: `Remove ${memberEmail}` }).click();
  const removal = admin.page.getByRole("alertdialog");
  await expect(removal).toContainText(`Remove ${memberEmail} from Globex?`);
  await expect(removal.getByRole("button", { name: "Yes, remove" })).toBeFocused();
  await removal.getByRole("button", { name: "Keep" }).click();
  await expect(admin.page.getByRole("alertdialog")).toHaveCount(0);
  await expect(member.page.getByTestId("customer-detail")).toContainText("Budget approved");
  await admin.page.getByRole("button", { name: `Remove ${memberEmail}` }).click();
  await admin.page.getByRole("alertdialog").getByRole("button", { name: "Yes, remove" }).click();
  await expect(admin.page.getByTestId("member-row")).toHaveCount(1);

  await expect(member.page.getByTestId("workspace-access-lost")).toBeVisible();
  await expect(member.page.getByTestId("customer-detail")).toHaveCount(0);
  await expect(member.page.getByText("Budget approved")).toHaveCount(0);
  expect(await sameDocument()).toBe(true);
  // And on the next load it is a plain 404.
  expect((await member.page.goto(teamUrl))?.status()).toBe(404);

  // The last admin cannot leave; the message says what to do instead.
  await admin.page.getByRole("button", { name: "Leave Globex" }).click();
  await admin.page.getByRole("alertdialog").getByRole("button", { name: "Yes, leave" }).click();
  await expect(admin.page.getByRole("alert")).toContainText("You are the last admin");
  await outsider.context.close();
  await member.context.close();
  await admin.context.close();
});

test("the switcher preloads a workspace on hover, and /customers reopens the workspace used last", async ({ page }) => {
  const email = uniqueEmail("switcher");
  const workspaceId = await teamOf("Initech", email, []);
  await (await convexAs(email)).mutation(api.customers.create, { name: "Personal Row", email: "p@example.com" });
  await (await convexAs(email)).mutation(api.customers.create, { workspaceId, name: "Initech Row", email: "i@example.com" });
  const framesSent: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (frame) => framesSent.push(String(frame.payload))));
  await signIn(page, email);
  await expect(page.getByTestId("customer-row")).toHaveText(["Personal Row"]);
  const asksForTeamList = () =>
    framesSent.filter((frame) => frame.includes('"customers:listByUser"') && frame.includes(workspaceId)).length;
  expect(asksForTeamList()).toBe(0);

  const switcher = page.getByTestId("workspace-switcher");
  await switcher.locator("summary").click();
  const teamLink = switcher.getByRole("link", { name: "Initech" });
  await teamLink.hover();
  await expect.poll(asksForTeamList).toBe(1);
  await expect(page).toHaveURL(/\/customers$/);
  // Let the preloaded rows arrive, as they do while a person moves to click.
  await page.waitForTimeout(300);

  const pendingSeen = await watchForPendingUi(page);
  const requestsAfterClick: string[] = [];
  page.on("request", (request) => requestsAfterClick.push(request.url()));
  await teamLink.click();
  await expect(page.getByTestId("customer-row")).toHaveText(["Initech Row"]);
  await expect(page).toHaveURL(new RegExp(`\\?workspace=${workspaceId}$`));
  expect(await pendingSeen()).toBe(false);
  expect(requestsAfterClick).toEqual([]);
  expect(asksForTeamList()).toBe(1);

  // A full load of /customers opens the workspace used last, already rendered on the server.
  const response = await page.goto("/customers");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(new RegExp(`/customers\\?workspace=${workspaceId}$`));
  await expect(page.getByTestId("customer-row")).toHaveText(["Initech Row"]);
});

test("an admin sees the invitations they sent and withdraws one: the invitee no longer has it", async ({ page }) => {
  const adminEmail = uniqueEmail("inviter");
  const inviteeEmail = uniqueEmail("invitee");
  const workspaceId = await teamOf("Withdraw Co", adminEmail, []);
  await (await convexAs(adminEmail)).mutation(api.workspaces.invite, { workspaceId, email: inviteeEmail, role: "admin" });
  await signIn(page, adminEmail);
  await page.goto(`/workspaces/${workspaceId}`);

  const row = page.getByTestId("invitation-row");
  await expect(row).toHaveText([new RegExp(`${inviteeEmail}.*Admin.*${adminEmail}`)]);
  await row.getByRole("button", { name: `Withdraw invitation for ${inviteeEmail}` }).click();
  await expect(page.getByTestId("invitations-table")).toHaveCount(0);
  expect(await (await convexAs(inviteeEmail)).query(api.workspaces.myInvitations, {})).toEqual([]);

  // Deleting the workspace asks first, then leaves its page for the list, where it is gone.
  await page.getByRole("button", { name: "Delete workspace" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Delete Withdraw Co and all its customers for every member?");
  await confirm.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await expect(page.getByRole("link", { name: "Withdraw Co" })).toHaveCount(0);
  expect((await page.goto(`/workspaces/${workspaceId}`))?.status()).toBe(404);
});

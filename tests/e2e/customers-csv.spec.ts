/**
 * Customers in and out (issue 23): a CSV import with good, bad and duplicate rows (and the same
 * file again), an export of the filtered list, and the status counts and weekly chart following a change made elsewhere.
 */
import { readFile } from "node:fs/promises";
import { expect, type Page, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import { addCustomers, convexAs, signIn, uniqueEmail } from "./support/users";

// As a European spreadsheet saves it: a BOM, semicolons, a quoted separator, \r\n.
const FILE = [
  "\uFEFFName;E-mail;Status;Company",
  'Ada Lovelace;ada@example.com;Active;"Engines; Ltd"',
  ";no-name@example.com;Lead;",
  "Bad Email;not-an-email;;",
  "Dup Person;DUP@example.com;inactive;",
  "Grace;grace@example.com;LEAD;Navy",
].join("\r\n");

async function chooseFile(page: Page) {
  await page.getByLabel("Choose a CSV file, or drop one here").setInputFiles({
    name: "customers.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(FILE, "utf8"),
  });
}

const statusOptions = (page: Page) => page.getByLabel("Status").locator("option");

test("a CSV import: bad rows listed and downloadable, duplicates skipped or updated, the same file twice writes nothing twice", async ({
  page,
}) => {
  const email = uniqueEmail("import");
  await addCustomers(email, [{ name: "Existing", email: "dup@example.com", status: "active" }]);
  await signIn(page, email);
  await page.getByRole("link", { name: "Import" }).click();
  await expect(page.getByRole("heading", { name: "Import customers" })).toBeVisible();

  await chooseFile(page);
  await expect(page.getByRole("heading", { level: 2 })).toHaveText("customers.csv: 5 rows");
  await expect(page.getByLabel("Field for column E-mail")).toHaveValue("email");
  await expect(page.getByTestId("import-preview").locator("tbody tr").first()).toContainText("Engines; Ltd");
  await expect(page.getByTestId("check-summary")).toHaveText("3 ready to import, 2 with errors.");
  await expect(page.getByTestId("rejected-rows").locator("li")).toHaveText([
    "Row 3: Name: Enter a name",
    "Row 4: Email: Enter a valid email address",
  ]);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByText("Download rows with errors (CSV)").click(),
  ]);
  expect(download.suggestedFilename()).toBe("customers-errors.csv");
  const rejected = await readFile(await download.path(), "utf8");
  expect(rejected.split("\r\n")).toEqual([
    "Name,E-mail,Status,Company,Error",
    ",no-name@example.com,Lead,,Name: Enter a name",
    "Bad Email,not-an-email,,,Email: Enter a valid email address",
  ]);

  await page.getByRole("button", { name: "Import 3 customers" }).click();
  await expect(page.getByTestId("import-status")).toHaveText("Imported: 3 of 3 rows. 2 created, 0 updated, 1 already there.");
  await expect(page.getByLabel("Import progress")).toHaveAttribute("value", "3");

  // The same file again, now updating duplicates: the one changed customer is updated, nothing is added.
  await chooseFile(page);
  await page.getByLabel("Update them with the file's values").check();
  await page.getByRole("button", { name: "Import 3 customers" }).click();
  await expect(page.getByTestId("import-status")).toHaveText("Imported: 3 of 3 rows. 0 created, 1 updated, 2 already there.");

  await page.getByRole("link", { name: "Back to customers" }).click();
  await expect(page.getByTestId("customer-row")).toHaveText(["Grace", "Ada Lovelace", "Dup Person"]);
  await expect(statusOptions(page)).toHaveText(["All (3)", "Lead (1)", "Active (1)", "Inactive (1)"]);
});

test("the status counts and the weekly chart follow a change made in another browser", async ({ page }) => {
  const email = uniqueEmail("counts");
  const [id] = await addCustomers(email, [{ name: "Counted", email: "counted@example.com" }]);
  await signIn(page, email);
  await expect(statusOptions(page)).toHaveText(["All (1)", "Lead (1)", "Active (0)", "Inactive (0)"]);
  // The chart's text alternative: this week is its last row (week, lead, active, inactive, total).
  const thisWeek = page.getByRole("table", { name: "New customers per week, by status" }).locator("tbody tr").last();
  await expect(thisWeek.locator("td")).toHaveText(["1", "0", "0", "1"]);
  await expect(page.getByTestId("customers-chart").locator("rect")).toHaveCount(1);
  const elsewhere = await convexAs(email);
  await elsewhere.mutation(api.customers.create, { name: "Arrived", email: "arrived@example.com", status: "active" });
  await expect(statusOptions(page)).toHaveText(["All (2)", "Lead (1)", "Active (1)", "Inactive (0)"]);
  await expect(thisWeek.locator("td")).toHaveText(["1", "1", "0", "2"]);
  await elsewhere.mutation(api.customers.update, { id: id!, status: "inactive" });
  await expect(statusOptions(page)).toHaveText(["All (2)", "Lead (0)", "Active (1)", "Inactive (1)"]);
  await expect(thisWeek.locator("td")).toHaveText(["0", "1", "1", "2"]);
  await expect(page.getByTestId("customers-chart").locator("rect")).toHaveCount(2);
});

test("Export CSV writes the list as filtered and sorted, every page of it", async ({ page }) => {
  const email = uniqueEmail("export");
  // More than one page of the list (50), a few of them active, one with a comma and a quote.
  await addCustomers(email, [
    ...Array.from({ length: 60 }, (_, i) => ({ name: `Lead ${String(i).padStart(2, "0")}`, email: `lead${i}@example.com` })),
    { name: 'Zed "Z", Jr', email: "zed@example.com", status: "active" as const, company: "Zeds, Inc" },
    { name: "Amy", email: "amy@example.com", status: "active" as const },
    { name: "=HYPERLINK(1)", email: "formula@example.com", status: "inactive" as const },
  ]);
  await signIn(page, email);
  const [all] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const allLines = (await readFile(await all.path(), "utf8")).trim().split("\r\n");
  expect(allLines[0]).toBe("Name,Email,Company,Phone,Status,Notes,Created");
  expect(allLines).toHaveLength(64);
  // A formula-like cell is written as text for spreadsheets.
  expect(allLines).toContainEqual(expect.stringMatching(/^"'=HYPERLINK\(1\)",formula@example\.com,/));

  await page.getByLabel("Status").selectOption("active");
  await page.getByLabel("Sort").selectOption("name");
  await expect(page.getByTestId("customer-row")).toHaveText(["Amy", 'Zed "Z", Jr']);
  const [filtered] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  expect(filtered.suggestedFilename()).toBe("customers.csv");
  const lines = (await readFile(await filtered.path(), "utf8")).trim().split("\r\n");
  expect(lines.map((line) => line.replace(/,[^,]*$/, ""))).toEqual([
    "Name,Email,Company,Phone,Status,Notes",
    "Amy,amy@example.com,,,active,",
    '"Zed ""Z"", Jr",zed@example.com,"Zeds, Inc",,active,',
  ]);
});

/** A file of `rows` good rows (a batch is 250). */
function goodRows(rows: number): Buffer {
  const lines = ["Name,Email"];
  for (let i = 0; i < rows; i++) lines.push(`Row ${i},row${i}@example.com`);
  return Buffer.from(lines.join("\n"), "utf8");
}

/**
 * Watches the page's Convex socket: `onBatch` sees each imports:importBatch sent (its request
 * id and which one it is, from 1) and may hold it back; `answer` may replace the server's
 * answer to a mutation (or return it as it is).
 */
async function watchImportBatches(
  page: Page,
  hooks: {
    onBatch?: (requestId: number, nth: number) => Promise<void> | void;
    answer?: (message: { requestId: number }) => object;
  },
) {
  let batches = 0;
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage(async (message) => {
      const sent = JSON.parse(String(message)) as { type: string; udfPath?: string; requestId?: number };
      if (sent.type === "Mutation" && sent.udfPath === "imports:importBatch") await hooks.onBatch?.(sent.requestId!, ++batches);
      server.send(message);
    });
    server.onMessage((message) => {
      const answer = JSON.parse(String(message)) as { type: string; requestId: number };
      socket.send(answer.type === "MutationResponse" && hooks.answer ? JSON.stringify(hooks.answer(answer)) : message);
    });
  });
}

async function chooseRows(page: Page, rows: number) {
  await page.getByRole("link", { name: "Import" }).click();
  await page.getByLabel("Choose a CSV file, or drop one here").setInputFiles({
    name: "rows.csv",
    mimeType: "text/csv",
    buffer: goodRows(rows),
  });
  await expect(page.getByTestId("check-summary")).toHaveText(`${rows} ready to import, 0 with errors.`);
}

test("a batch whose answer is lost is reported, and Retry writes each of its rows once", async ({ page }) => {
  const email = uniqueEmail("retry");
  // The server writes the batch, but the page hears that it failed (a lost answer).
  let failing: number | undefined;
  let sent = 0;
  await watchImportBatches(page, {
    onBatch: (requestId, nth) => {
      sent = nth;
      if (nth === 1) failing = requestId;
    },
    answer: (answer) =>
      answer.requestId === failing
        ? { type: "MutationResponse", requestId: failing, success: false, result: "Connection lost", logLines: [] }
        : answer,
  });
  await signIn(page, email);
  await chooseRows(page, 3);
  await page.getByRole("button", { name: "Import 3 customers" }).click();
  await expect(page.getByText(/^Rows 2–4 were not imported: /)).toBeVisible();
  await expect(page.getByTestId("import-status")).toHaveText("0 of 3 rows. 0 created, 0 updated, 0 already there.");

  await page.getByRole("button", { name: "Retry" }).click();
  // The server's receipts answer the batch sent again as the first time: created, not skipped.
  await expect(page.getByTestId("import-status")).toHaveText("Imported: 3 of 3 rows. 3 created, 0 updated, 0 already there.");
  expect(sent).toBe(2);
  await page.getByRole("link", { name: "Back to customers" }).click();
  await expect(page.getByTestId("customer-row")).toHaveText(["Row 2", "Row 1", "Row 0"]);
  await expect(statusOptions(page).first()).toHaveText("All (3)");
});

test("Cancel stops the import after the batch in flight, and keeps what was imported", async ({ page }) => {
  const email = uniqueEmail("cancel");
  // The first batch waits at the socket until Cancel has been clicked.
  let release!: () => void;
  const cancelled = new Promise<void>((resolve) => (release = resolve));
  let sent = 0;
  await watchImportBatches(page, {
    onBatch: async () => {
      sent++;
      await cancelled;
    },
  });
  await signIn(page, email);
  await chooseRows(page, 600);
  await page.getByRole("button", { name: "Import 600 customers" }).click();
  await expect.poll(() => sent).toBe(1);
  await page.getByRole("button", { name: "Cancel" }).click();
  release();
  await expect(page.getByTestId("import-status")).toHaveText(
    "Cancelled after 250 of 600 rows. 250 created, 0 updated, 0 already there.",
  );
  await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  expect(sent).toBe(1);
  await page.getByRole("link", { name: "Back to customers" }).click();
  await expect(statusOptions(page).first()).toHaveText("All (250)");
});

import { expect, test } from "@playwright/test";
import { CUSTOMERS_JS_BUDGET_KB, pageScripts } from "./support/page-scripts";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

test(`a signed-in visit to /customers loads under ${CUSTOMERS_JS_BUDGET_KB} kB of JavaScript, gzip, counted as the bench counts it`, async ({
  page,
}) => {
  const email = uniqueEmail("js-budget");
  await addCustomers(email, [{ name: "Budget Customer", email: "budget@example.com" }]);
  await signIn(page, email);
  const scripts = await pageScripts(await page.context().newPage(), "/customers");
  const listing = scripts.files
    .map((file) => `${(file.gzipBytes / 1000).toFixed(1)} kB ${new URL(file.url).pathname}`)
    .join("\n");
  expect(scripts.gzipBytes / 1000, listing).toBeLessThan(CUSTOMERS_JS_BUDGET_KB);
});

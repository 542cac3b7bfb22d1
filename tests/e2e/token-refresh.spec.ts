import { expect, test } from "@playwright/test";
import { appPort, backendPort } from "./support/env";
import { type PrivateStack, startPrivateStack } from "./support/stack";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

const TOKEN_TTL_SECONDS = 20;

// An app whose tokens live 20 s (the shortest allowed), so a test can outlive one.
let stack: PrivateStack;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startPrivateStack({
    appPort: appPort + 30,
    backendPort: backendPort + 30,
    appEnv: { LOCAL_AUTH_TOKEN_TTL: String(TOKEN_TTL_SECONDS) },
  });
});
test.afterAll(async () => {
  await stack?.close();
});

/** The JWT of an Authenticate frame the Convex client sent, or null for other frames. */
function authenticatedToken(payload: string): string | null {
  const message = JSON.parse(payload) as { type?: string; tokenType?: string; value?: string };
  return message.type === "Authenticate" && message.tokenType === "User" ? (message.value ?? null) : null;
}

test("a token that expires during a long session is refreshed without a reload", async ({ browser }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("refresh");
  await addCustomers(email, [{ name: "Long Session", email: "long@example.com" }], stack.backendURL);
  const context = await browser.newContext({ baseURL: stack.baseURL });
  const page = await context.newPage();
  const tokens: string[] = [];
  const authErrors: string[] = [];
  page.on("websocket", (socket) => {
    socket.on("framesent", (frame) => {
      const token = authenticatedToken(String(frame.payload));
      if (token) tokens.push(token);
    });
    socket.on("framereceived", (frame) => {
      if (String(frame.payload).includes('"AuthError"')) authErrors.push(String(frame.payload));
    });
  });
  await signIn(page, email);
  await expect(page.getByTestId("customer-row")).toHaveText(["Long Session"]);
  const loads = await page.evaluate(() => performance.getEntriesByType("navigation").length);

  // Outlive the first token, then show the page is still live and signed in.
  await page.waitForTimeout((TOKEN_TTL_SECONDS + 5) * 1000);
  await addCustomers(email, [{ name: "After Expiry", email: "after@example.com" }], stack.backendURL);
  await expect(page.getByTestId("customer-row")).toHaveText(["After Expiry", "Long Session"]);
  await page.getByTestId("customer-row").first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("after@example.com");

  expect(new Set(tokens).size).toBeGreaterThanOrEqual(2);
  expect(authErrors).toEqual([]);
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(loads);
  expect(page.url()).not.toContain("/sign-in");
  await context.close();
});

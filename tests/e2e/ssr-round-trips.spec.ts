import { expect, test } from "@playwright/test";
import { type DelayProxy, startDelayProxy } from "../support/delay-proxy";
import { appPort, backendPort } from "./support/env";
import { type PrivateStack, startPrivateStack } from "./support/stack";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

// Convex sits behind a proxy that logs what the app server asks of it, so this file runs on a
// stack of its own.
let proxy: DelayProxy;
let stack: PrivateStack;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  // The backend's site port (HTTP actions) is the one after its own.
  proxy = await startDelayProxy({ target: `http://127.0.0.1:${backendPort + 40}`, port: backendPort + 42 });
  stack = await startPrivateStack({ appPort: appPort + 40, backendPort: backendPort + 40, convexUrl: proxy.url });
});
test.afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

test("a server render asks Convex once per page query, all at once: one round trip, nothing else on the way (auth, tokens, configuration)", async ({
  browser,
}) => {
  const email = uniqueEmail("ssr-trips");
  const [id] = await addCustomers(email, [{ name: "Counted Customer", email: "counted@example.com" }], stack.backendURL);
  const context = await browser.newContext({ baseURL: stack.baseURL });
  await signIn(await context.newPage(), email);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  // The browser's live connection would add nothing over HTTP, but leave the count to the server alone.
  await context.close();
  // Convex 50 ms away: queries asked one after another (a waterfall) would be 50 ms apart.
  proxy.oneWayMs = 25;

  // A customer's tab asks for the customer (its layout's loader) and the tab's own data (its
  // loader), in parallel; the Overview's data is the customer itself, asked once.
  for (const [path, queries, expected] of [
    ["/customers", 1, "Counted Customer"],
    [`/customers/${id}`, 1, "counted@example.com"],
    [`/customers/${id}/notes`, 2, "No notes yet."],
    [`/customers/${id}/activity`, 2, "created this customer"],
    [`/customers/${id}/files`, 2, "No files yet."],
  ] as const) {
    // Twice: the first render of a process may warm caches (the token); the second shows the steady state.
    for (let i = 0; i < 2; i++) {
      proxy.requests.length = 0;
      const response = await fetch(`${stack.baseURL}${path}`, { headers: { cookie, "sec-fetch-dest": "document" } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(expected);
      const requests = [...proxy.requests];
      expect(
        requests.map(({ method, path }) => ({ method, path })),
        `requests to Convex for ${path}`,
      ).toEqual(Array.from({ length: queries }, () => ({ method: "POST", path: "/api/query" })));
      // One round trip: every query was on its way before the first answer came back.
      const lastAsked = Math.max(...requests.map((request) => request.receivedAt));
      const firstAnswered = Math.min(...requests.map((request) => request.answeredAt ?? Infinity));
      expect(lastAsked, `${path}: a query asked only after another's answer`).toBeLessThan(firstAnswered);
    }
  }
});

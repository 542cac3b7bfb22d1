import { expect, test } from "@playwright/test";

test("the home page is server-rendered and hydrates without errors", async ({ page, request }) => {
  const html = await (await request.get("/", { headers: { "Sec-Fetch-Dest": "document" } })).text();
  expect(html).toContain("Your customers, one hover away.");
  expect(html).toContain("window.__CLIENTELE_CONFIG__=");

  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your customers, one hover away.");
  expect(problems).toEqual([]);
});

test("public/ serves robots.txt, which keeps signed-in pages out of search engines, and pages say noindex", async ({
  request,
}) => {
  const robots = await request.get("/robots.txt");
  expect(robots.status()).toBe(200);
  expect(robots.headers()["content-type"]).toMatch(/^text\/plain/);
  expect(robots.headers()["cache-control"]).toBe("public, max-age=86400");
  const disallowed = (await robots.text()).match(/^Disallow: .+$/gm) ?? [];
  expect(disallowed).toEqual(expect.arrayContaining(["Disallow: /customers", "Disallow: /workspaces"]));

  for (const path of ["/customers", "/customers/new", "/workspaces", "/sign-in"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.headers()["x-robots-tag"], path).toBe("noindex");
  }
  expect((await request.get("/")).headers()["x-robots-tag"]).toBeUndefined();
});

test("a web app manifest with the app's icons lets Clientele be added to a phone's home screen", async ({ page, request }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  expect(href).toBe("/manifest.webmanifest");
  const response = await request.get(href ?? "");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/manifest+json");
  expect(response.headers()["cache-control"]).toBe("public, max-age=86400");
  const manifest = (await response.json()) as {
    name: string;
    start_url: string;
    display: string;
    icons: { src: string; sizes: string; type: string; purpose: string }[];
  };
  expect(manifest).toMatchObject({ name: "Clientele", start_url: "/customers", display: "standalone" });
  const sizes = manifest.icons.filter((icon) => icon.type === "image/png").map((icon) => `${icon.sizes} ${icon.purpose}`);
  expect(sizes).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));
  for (const icon of [...manifest.icons, { src: "/apple-touch-icon.png", type: "image/png" }]) {
    const file = await request.get(icon.src);
    expect(file.status(), icon.src).toBe(200);
    expect(file.headers()["content-type"]).toBe(icon.type);
    if (icon.type === "image/png") {
      // A PNG's width and height sit at bytes 16–23 of its header.
      const bytes = await file.body();
      const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      if ("sizes" in icon) expect(`${width}x${height}`).toBe(icon.sizes);
      else expect([width, height]).toEqual([180, 180]);
    }
  }
});

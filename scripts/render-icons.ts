/**
 * Renders the app's icon (public/icon.svg, the one source) to the PNGs the web app manifest and
 * iOS ask for, with Debian's Chromium: `npm run icons` after changing the SVG, then commit them.
 * Full-bleed copies (no rounded corners) serve where the platform applies its own mask.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";

const publicDir = fileURLToPath(new URL("../public/", import.meta.url));
const svg = readFileSync(`${publicDir}icon.svg`, "utf8");
const fullBleed = svg.replace(/ rx="[^"]*"/, "");
const outputs = [
  { file: "icon-192.png", size: 192, source: svg },
  { file: "icon-512.png", size: 512, source: svg },
  { file: "icon-maskable-512.png", size: 512, source: fullBleed },
  { file: "apple-touch-icon.png", size: 180, source: fullBleed },
];

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage();
  for (const { file, size, source } of outputs) {
    await page.setViewportSize({ width: size, height: size });
    const sized = source.replace("<svg ", `<svg width="${size}" height="${size}" `);
    await page.setContent(`<style>html,body{margin:0;background:transparent}</style>${sized}`);
    writeFileSync(`${publicDir}${file}`, await page.screenshot({ omitBackground: true }));
    console.log(`public/${file} (${size}×${size})`);
  }
} finally {
  await browser.close();
}

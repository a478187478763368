// Shared by the browser test files: one Chromium per file, sessions, sign-in, screenshots, viewport checks.
import { before, after } from "node:test";
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

export const BASE = process.env.OLIVE_URL || "http://127.0.0.1:8080";
export const SHOTS = process.env.OLIVE_SCREENSHOTS || "test-artifacts/screenshots";
export const PASSWORD = "olive-demo";
mkdirSync(SHOTS, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
});
after(async () => { await browser?.close(); });

export async function session(width = 1024, height = 800) {
  const ctx = await browser.newContext({ viewport: { width, height }, baseURL: BASE });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  return { ctx, page };
}

/** Sign in as a person would; when the sign-in rate limit says "Wait N seconds" (every test file signs
 * the same demo people in), wait that long and try again, as they would. */
export async function signIn(page, login) {
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.goto("/login");
    await page.getByLabel("Email or username").fill(login);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState();
    if (!new URL(page.url()).pathname.startsWith("/login")) return;
    const text = await page.locator("body").innerText();
    const wait = /Too many sign-in attempts\. Wait (\d+) seconds/.exec(text);
    if (!wait) break;
    await page.waitForTimeout((Number(wait[1]) + 1) * 1000);
  }
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

export async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
}

/** Whether the element is wholly inside the visible viewport, where the eye is. */
export async function inViewport(locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0;
  });
}

/** Log a defect from the front-desk screen; returns the case page's path. `fields`: the playbook's case
 * fields by label ({ Dentist: "Theo Tran" } picks from a list, others are typed). */
export async function logCase(page, { search, pick, customer, what, fields = {} }) {
  await page.goto("/");
  await page.getByLabel("Find the defect by words").fill(search);
  await page.locator("#search-results label.pick", { hasText: pick }).first().click();
  await page.getByLabel(/^(Patient|Guest|Customer)'s name/).fill(customer);
  for (const [label, value] of Object.entries(fields)) {
    const input = page.getByLabel(label, { exact: true });
    if ((await input.evaluate((el) => el.tagName)) === "SELECT") await input.selectOption({ label: value });
    else await input.fill(value);
  }
  await page.getByLabel("What happened (a sentence)").fill(what);
  await page.getByRole("button", { name: /Log it/ }).click();
  await page.waitForURL(/\/cases\/C-\d+/);
  return new URL(page.url()).pathname;
}

/** axe-core (from npm) run in the page: the serious and critical violations, each as
 * "rule-id: help (selector, …)", so a failing assertion names what to fix. */
export async function axeViolations(page) {
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  const { readFileSync } = await import("node:fs");
  const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(source);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")})`);
}

/** A session with JavaScript turned off (a browser without scripts: the forms must still work). */
export async function sessionNoJs(width = 1024, height = 800) {
  const ctx = await browser.newContext({ viewport: { width, height }, baseURL: BASE, javaScriptEnabled: false });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  return { ctx, page };
}

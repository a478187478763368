// Severity drives alerts (issue 18), in a real headless Chromium against `olive demo` data: the
// manager of The Grill has a page open, a server logs a critical defect (an allergen in a served
// dish), and the alert appears on the manager's open page within 5 s, without a reload; opening the
// case from it clears it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, inViewport, shot } from "./support.js";

test("a critical case alerts the manager's open page at once", async () => {
  // The manager is on My work.
  const mgr = await session();
  await signIn(mgr.page, "gabe@thegrill.example");
  await mgr.page.goto("/my");
  const before = mgr.page.url();

  // A server logs a dish with a declared allergen served to a guest.
  const srv = await session(390, 844);
  const { page } = srv;
  await signIn(page, "sam@thegrill.example");
  await page.goto("/");
  await page.getByLabel("Find the defect by words").fill("allergy");
  await page.locator("#search-results label.pick", { hasText: "Dish served to a diner with a declared allergy" }).first().click();
  await page.getByLabel(/^Guest's name/).fill("Nora Quinn");
  await page.getByLabel("Table", { exact: true }).fill("5");
  await page.getByLabel("What happened (a sentence)").fill("Satay sauce on the salad of a guest who said peanut allergy.");
  await page.getByRole("button", { name: /Log it/ }).click();
  await page.waitForURL(/\/cases\/C-\d+/);
  const reference = new URL(page.url()).pathname.split("/").pop();

  // Within 5 seconds the manager's open page shows it: the reference, the defect, who logged it.
  const alert = mgr.page.locator("#live-alert .critical-alert", { hasText: reference });
  await alert.waitFor({ timeout: 5000 });
  assert.equal(mgr.page.url(), before, "no reload, no navigation");
  const text = await alert.innerText();
  assert.match(text, /Dish served to a diner with a declared allergy/);
  assert.match(text, /logged by Sam/);
  assert.ok(await inViewport(alert), "the alert is where the eye is");
  await shot(mgr.page, "severity-critical-alert", false);

  // The link opens the case; the alert then leaves the manager's pages.
  await alert.getByRole("link").click();
  await mgr.page.waitForURL(new RegExp(`/cases/${reference}$`));
  await mgr.page.goto("/my");
  await mgr.page.waitForTimeout(500);
  assert.equal(await mgr.page.locator("#live-alert .critical-alert", { hasText: reference }).count(), 0);

  await mgr.ctx.close();
  await srv.ctx.close();
});

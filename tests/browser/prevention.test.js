// Prevention in a real headless Chromium: two cases of one defect are collected by one prevention
// action on the Prevention page, which a manager assigns and closes in place (htmx, no reload).
// Needs OLIVE_URL (a server running `olive demo` data); saves screenshots to OLIVE_SCREENSHOTS. The
// demo may already hold cases of the defect, so the test looks for its own cases, not a count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SHOTS, session as sessionAt, signIn } from "./support.js";

const session = (width = 1024, height = 900) => sessionAt(width, height);

/** The action's card, and the screen around it (the demo's page holds many actions). */
async function shot(page, card, name) {
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `${SHOTS}/${name}-card.png` });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** Log a "waiting room cold" case from the front-desk screen; returns its reference (C-…). */
async function logCold(page, customer) {
  await page.goto("/");
  await page.getByLabel("Find the defect by words").fill("waiting room cold");
  await page.locator("#search-results label.pick", { hasText: "Waiting room cold" }).click();
  await page.getByLabel(/^(Patient|Guest|Customer)'s name/).fill(customer);
  await page.getByLabel("What happened (a sentence)").fill("The heating was off and the room was freezing.");
  await page.getByRole("button", { name: /Log it/ }).click();
  await page.waitForURL(/\/cases\/C-\d+/);
  return new URL(page.url()).pathname.split("/").pop();
}

test("prevention: one action collects two cases of a defect; a manager assigns and closes it in place", async () => {
  const desk = await session();
  await signIn(desk.page, "fiona");
  const stamp = Date.now().toString(36);
  const first = await logCold(desk.page, `Prevention One ${stamp}`);
  const second = await logCold(desk.page, `Prevention Two ${stamp}`);
  assert.notEqual(first, second);
  // The customer's protocol carries no "fix the process" step: that is the prevention action's job.
  const steps = await desk.page.locator(".steps li").allInnerTexts();
  assert.ok(steps.length >= 3, steps.join("\n"));
  assert.ok(!steps.some((s) => /Review the checklist/.test(s)), steps.join("\n"));
  // The case says where the process fix stands, and links to it.
  const line = desk.page.locator("#case-prevention");
  assert.match(await line.innerText(), /prevention action of its own \(open: .*cases? so far\)\. Closing this case does not wait for it\./);
  await line.getByRole("link", { name: "See the prevention action" }).click();
  await desk.page.waitForURL(/\/prevention\?status=all#pa-/);
  const target = desk.page.locator(`section.prevention${new URL(desk.page.url()).hash}`);
  await assert.doesNotReject(target.getByRole("link", { name: second, exact: true }).waitFor(), "the link lands on the action holding the case");

  // The front desk has no Prevention link and may read the page, but not change it.
  assert.equal(await desk.page.locator("header nav").getByRole("link", { name: "Prevention" }).count(), 0);
  await desk.page.goto("/prevention");
  const readOnly = desk.page.locator("section.prevention", { has: desk.page.getByRole("link", { name: first, exact: true }) });
  await readOnly.waitFor();
  assert.equal(await readOnly.getByRole("button").count(), 0, "the front desk reads, and does not change");
  await desk.ctx.close();

  const mgr = await session();
  const { page } = mgr;
  await signIn(page, "maria@harbourdental.example");
  await page.locator("header nav").getByRole("link", { name: "Prevention" }).click();
  await page.getByRole("heading", { name: "Prevention", level: 1 }).waitFor();
  assert.ok(await page.locator("section.prevention").count() > 1, "the demo's own cases have their actions too");
  const card = page.locator("section.prevention", { has: page.getByRole("link", { name: first, exact: true }) });
  await card.waitFor();
  assert.equal(await card.count(), 1, "one action holds the first case");
  await assert.doesNotReject(card.getByRole("link", { name: second, exact: true }).waitFor(), "and the second");
  assert.match(await card.locator("h2").innerText(), /Waiting room cold/);
  assert.match(await card.innerText(), /What to change:.*checklist/s);
  assert.match(await card.locator(".pa-owner").innerText(), /nobody yet/);

  // Assign: owner and due date, saved in place (htmx swaps the card; the page does not reload).
  await page.evaluate(() => { window.__stillHere = true; });
  await card.getByLabel("Owner").selectOption({ label: "Maria Manning" });
  await card.getByLabel("Due").fill("2026-12-18");
  await card.getByLabel("Status").selectOption("in_progress");
  await card.getByRole("button", { name: "Save" }).click();
  await card.getByText("Saved.").waitFor();
  assert.equal(await page.evaluate(() => window.__stillHere), true, "no full reload");
  assert.match(await card.locator(".pa-owner").innerText(), /Maria Manning/);
  assert.match(await card.locator(".pa-due").innerText(), /2026-12-18/);
  assert.match(await card.locator("h2 .status").innerText(), /In progress/);
  await shot(page, card, "prevention-assigned");

  // Closing needs a note saying what was changed; with one, the action is done.
  await card.getByRole("button", { name: "Close the action" }).click();
  await card.locator(".flash.bad").waitFor();
  assert.match(await card.locator(".flash.bad").innerText(), /say what was changed/);
  await card.getByLabel(/What was changed/).fill("Heating timer set to 07:30; checklist signed four times a day.");
  await card.getByRole("button", { name: "Close the action" }).click();
  await card.getByText("Closed: the process is fixed.").waitFor();
  assert.match(await card.locator("h2 .status").innerText(), /Done/);
  assert.equal(await card.getByRole("button").count(), 0, "a done action no longer changes");
  assert.equal(await page.evaluate(() => window.__stillHere), true, "no full reload");
  await shot(page, card, "prevention-closed");
  await mgr.ctx.close();
});

// Insights in a real headless Chromium, on the demo: a manager answers each of the six questions by
// reading a figure off the page and following its link to the case list, whose count must equal the
// figure; the group owner compares the two locations; the front desk has no Insights. One screenshot
// per question (OLIVE_SCREENSHOTS/insights-*.png).
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, shot } from "./support.js";

/** The number a figure shows (its first integer), and the link behind it. */
async function figure(page, id) {
  const box = page.locator(`[data-figure="${id}"]`);
  await box.waitFor();
  const value = (await box.locator("[data-value]").innerText()).trim();
  const note = (await box.locator(".small.muted").last().innerText().catch(() => "")).trim();
  const link = await box.locator("a[data-value]").getAttribute("href").catch(() => null);
  return { value, note, link, box };
}

/** Follow a figure's link and read how many cases the list says match. */
async function countBehind(page, link) {
  assert.ok(link, "the figure links to its cases");
  await page.goto(link);
  const n = page.locator("#match-count [data-count]");
  await n.waitFor();
  return Number(await n.getAttribute("data-count"));
}

const int = (s) => Number((/-?\d[\d,]*/.exec(s) || ["NaN"])[0].replace(/,/g, ""));

test("insights: a manager answers the six questions, each figure equal to the cases behind it", async () => {
  const { ctx, page } = await session(1024, 1300);
  await signIn(page, "maria@harbourdental.example");
  await page.locator("header nav").getByRole("link", { name: "Insights" }).click();
  await page.waitForURL(/\/insights/);
  assert.equal(await page.locator("h1").innerText(), "Where are we leaking?");
  assert.match(await page.locator("main, body").first().innerText(), /Harbour Dental/);

  // 1. Where are we leaking: the defects logged, and the top stage, each equal to its list.
  let f = await figure(page, "logged");
  await shot(page, "insights-leaking", false);
  const logged = int(f.value);
  assert.ok(logged > 0, "the demo logged defects in the last 30 days");
  assert.equal(await countBehind(page, f.link), logged, "defects logged = the cases behind the link");
  await page.goto("/insights/leaking");
  f = await figure(page, "top-stage");
  assert.equal(await countBehind(page, f.link), int(f.note), `top stage ${f.value}: ${f.note}`);
  // The charts carry text alternatives, and the heatmap's cells link to a week's cases.
  await page.goto("/insights/leaking");
  for (const id of ["ch-stage", "ch-heat", "ch-defects"]) {
    const desc = await page.locator(`svg#${id} desc`).textContent();
    assert.ok(desc && desc.length > 5, `${id} describes itself`);
  }

  // 2. On top of it: overdue now equals the overdue list.
  await page.getByRole("link", { name: "Response" }).click();
  await page.waitForURL(/\/insights\/response/);
  assert.equal(await page.locator("h1").innerText(), "Are we on top of defects when they occur?");
  f = await figure(page, "overdue-now");
  const median = await figure(page, "first-action-median");
  assert.match(median.value, /min|h|under a minute|–/);
  await shot(page, "insights-response", false);
  assert.equal(await countBehind(page, f.link), int(f.value), "overdue now = the overdue list");

  // 3. Does it hit home: "R of C closed cases recovered"; both numbers are lists, and the rate is R/C.
  await page.goto("/insights/recovery");
  f = await figure(page, "recovery-rate");
  await shot(page, "insights-recovery", false);
  const [recovered, closed] = (/(\d+) of (\d+) closed/.exec(f.note) || []).slice(1).map(Number);
  assert.ok(closed > 0, f.note);
  assert.equal(int(f.value), Math.round((recovered * 100) / closed), `${f.value} is ${recovered}/${closed}`);
  assert.equal(await countBehind(page, f.link), recovered, "recovered = the recovered list");
  await page.goto("/insights/recovery");
  const c = await figure(page, "closed");
  assert.equal(int(c.value), closed);
  assert.equal(await countBehind(page, c.link), closed, "closed = the closed list");

  // 4. What does it cost: spend per recovered case, over the recovered cases it names.
  await page.goto("/insights/cost");
  f = await figure(page, "per-recovered");
  const spend = await figure(page, "spend");
  assert.match(spend.value, /\d\.\d\d [A-Z]{3}|none/);
  await shot(page, "insights-cost", false);
  assert.equal(int(f.note), recovered, "the same recovered cases as question 3");
  assert.equal(await countBehind(page, f.link), recovered);

  // 5. Who passes the hot potato: the top person's cases equal the list of cases they handed off.
  await page.goto("/insights/handoffs");
  f = await figure(page, "top-passer");
  await shot(page, "insights-handoffs", false);
  if (f.link) {
    const onCases = int(/on (\d+) cases?/.exec(f.note)?.[1] ?? "NaN");
    assert.equal(await countBehind(page, f.link), onCases, `${f.value}: ${f.note}`);
  }
  await page.goto("/insights/handoffs");
  const hot = await figure(page, "hot-potato");
  assert.equal(await countBehind(page, hot.link), int(hot.value), "handed off twice or more = its list");

  // 6. Why: the root causes of the cases closed add up to the cases closed (question 3).
  await page.goto("/insights/causes");
  await shot(page, "insights-causes", false);
  const rows = await page.locator("#t-causes tbody tr td:nth-child(2)").allTextContents();
  assert.equal(rows.map(Number).reduce((a, b) => a + b, 0), closed, "every closed case has its cause counted once");
  const prevention = await figure(page, "prevention");
  assert.match(prevention.value, /\d+ open · \d+ done/);

  // A bad date is said beside the form, in words; the page does not break.
  await page.goto("/insights/leaking?from=2026-02-30");
  const err = page.locator("#i-err");
  await err.waitFor();
  assert.match(await err.innerText(), /date such as/);
  await ctx.close();
});

test("insights: the group owner compares the locations; a phone shows the charts without sideways scrolling", async () => {
  const { ctx, page } = await session(1024, 900);
  await signIn(page, "olivia@harbourgroup.example");
  await page.goto("/insights/compare");
  const names = await page.locator("#compare tbody th").allInnerTexts();
  assert.deepEqual(names.sort(), ["Balmain Dental", "Harbour Dental", "The Grill"]);
  await shot(page, "insights-compare", false);
  // Each row's defects equal that location's own Insights figure.
  for (const name of names) {
    await page.goto("/insights/compare");
    const row = page.locator("#compare tbody tr", { hasText: name });
    const defects = int(await row.locator("td").first().innerText());
    await row.getByRole("link", { name }).click();
    await page.waitForURL(/\/insights\/leaking\?location=/);
    assert.equal(int((await figure(page, "logged")).value), defects, name);
  }
  await ctx.close();

  const phone = await session(390, 844);
  await signIn(phone.page, "gabe@thegrill.example");
  await phone.page.goto("/insights/handoffs");
  await figure(phone.page, "handoffs");
  const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling on a phone (${wide}px)`);
  await shot(phone.page, "insights-phone", false);
  await phone.ctx.close();
});

test("insights: the front desk has none (no menu item, 403)", async () => {
  const { ctx, page } = await session();
  await signIn(page, "fiona");
  assert.equal(await page.locator("header nav").getByRole("link", { name: "Insights" }).count(), 0);
  const res = await page.goto("/insights/leaking");
  assert.equal(res.status(), 403);
  await ctx.close();
});

// The case page acts in place and stays current (issue 20, part A), in a real headless Chromium against
// `olive demo` data, at a tablet's 1024 px and a phone's 390 px: errors beside their control without the
// page moving, forms that work without scripts, steps ticked in a row, a decision reaching the requester
// by itself, a stale form refused, the phone's action bar, tap targets, and axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, sessionNoJs, signIn, logCase, inViewport, shot, axeViolations } from "./support.js";

const TABLET = [1024, 800];
const PHONE = [390, 844];
const scrollY = (page) => page.evaluate(() => window.scrollY);
const focusIn = (page, sel) => page.evaluate((s) => !!document.activeElement && !!document.activeElement.closest(s), sel);

async function notInBook(page, customer) {
  return logCase(page, { search: "not in book", pick: "not in the book", customer, what: "Card says 10:30, not in the book." });
}

/** Click `button` as a person would when it is already on screen: scroll it into view first, then
 * measure where the page is, click, and wait for `answer`. Returns how far the page moved. */
async function clickInPlace(page, button, answer) {
  await button.scrollIntoViewIfNeeded();
  const y = await scrollY(page);
  const url = page.url();
  await button.click();
  await answer.waitFor();
  assert.equal(page.url(), url, "no navigation");
  return Math.abs((await scrollY(page)) - y);
}

for (const [w, h] of [TABLET, PHONE]) {
  const at = w === 390 ? "phone" : "tablet";

  test(`case page (${at}): a refused action says why beside its control, the page stays put, what was typed is kept`, async () => {
    const { ctx, page } = await session(w, h);
    await signIn(page, "fiona");
    await notInBook(page, `Errol Beside ${at}`);
    await page.getByText("Logged. This case is yours").waitFor();

    // A gesture with no value: the value box was pre-filled with the typical value; cleared, it is refused.
    await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
    const value = page.getByLabel(/^Value/);
    assert.match(await value.inputValue(), /^\d+(\.\d\d)?$/, "the typical value is the field's value");
    await value.fill("");
    const note = page.getByLabel(/Note for the card/);
    await note.fill("So sorry about the mix-up, Errol.");
    let moved = await clickInPlace(page, page.getByRole("button", { name: "Give gesture" }), page.locator("#g-value-error"));
    assert.ok(moved < 3, `the page moved ${moved} px`);
    assert.ok(await inViewport(page.locator("#g-value-error")), "the message is where the eye is");
    assert.match(await page.locator("#g-value-error").innerText(), /amount/i);
    assert.equal(await page.getByLabel(/Note for the card/).inputValue(), "So sorry about the mix-up, Errol.");
    assert.ok(await focusIn(page, "#case-gestures"), "focus is inside the gestures");
    await shot(page, `case-error-beside-value-${at}`, false);

    // A hand-off with no reason.
    await page.getByLabel("Hand to").selectOption({ label: "Maria Manning" });
    moved = await clickInPlace(page, page.getByRole("button", { name: "Propose hand-off" }), page.locator("#h-reason-error"));
    assert.ok(moved < 3, `the page moved ${moved} px`);
    assert.ok(await inViewport(page.locator("#h-reason-error")));
    assert.match(await page.locator("#h-reason-error").innerText(), /why you are handing/i);
    assert.equal(await page.getByLabel("Hand to").locator("option:checked").innerText(), "Maria Manning", "the choice is kept");

    // Closing with open steps.
    await page.getByLabel(/How do we stop it happening again/).fill("Confirm bookings by text");
    moved = await clickInPlace(page, page.getByRole("button", { name: "Close case" }), page.locator("#close-error"));
    assert.ok(moved < 3, `the page moved ${moved} px`);
    assert.ok(await inViewport(page.locator("#close-error")));
    assert.match(await page.locator("#close-error").innerText(), /step/i);
    assert.equal(await page.getByLabel(/How do we stop it happening again/).inputValue(), "Confirm bookings by text");
    await shot(page, `case-error-beside-close-${at}`, false);
    assert.deepEqual(await axeViolations(page), []);
    await ctx.close();
  });

  test(`case page (${at}): three steps ticked in a row without scrolling, focus on the next one`, async () => {
    const { ctx, page } = await session(w, h);
    await signIn(page, "maria@harbourdental.example");
    await notInBook(page, `Row Three ${at}`);
    const first = page.locator("#case-steps [data-next]");
    await first.scrollIntoViewIfNeeded();
    const y = await scrollY(page);
    await first.click();
    for (let n = 1; n <= 3; n++) {
      await page.locator(".steps li.done").nth(n - 1).waitFor();
      assert.equal(await page.locator(".steps li.done").count(), n);
      assert.ok(Math.abs((await scrollY(page)) - y) < 3, `scrollY unchanged after step ${n}`);
      assert.ok(await focusIn(page, "#case-steps"), `focus inside the steps after step ${n}`);
      if (n < 3) {
        // Focus is on the next step's button: Enter ticks it, no pointer, no scrolling.
        assert.equal(await page.evaluate(() => document.activeElement.hasAttribute("data-next")), true);
        await page.keyboard.press("Enter");
      }
    }
    await page.getByText("Step done.").waitFor();
    await shot(page, `case-three-steps-${at}`, false);
    assert.deepEqual(await axeViolations(page), []);
    await ctx.close();
  });
}

test("case page without JavaScript: a step ticked and a gesture given, the page comes back with the result", async () => {
  // The manager (a gesture given counts against the giver's day: the receptionist's is left to the other files).
  const withJs = await session(...TABLET);
  await signIn(withJs.page, "maria@harbourdental.example");
  const path = await notInBook(withJs.page, "Noah Script");
  await withJs.ctx.close();
  const { ctx, page } = await sessionNoJs(...TABLET);
  await signIn(page, "maria@harbourdental.example");
  await page.goto(path);
  await page.locator(".steps li").first().getByRole("button", { name: "Done" }).click();
  await page.waitForURL(/done=/);
  await page.getByText("Step done.").waitFor();
  assert.match(await page.locator(".steps li").first().innerText(), /done by Maria/);
  assert.match(new URL(page.url()).hash, /#case-steps/);
  await page.getByLabel("Gesture", { exact: true }).selectOption("lottery-card");
  await page.getByLabel(/^Value/).fill("10");
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.waitForURL(/in=gestures/);
  await page.getByText("Gesture approved — it's within your authority.").waitFor();
  await page.locator("#case-gestures .row", { hasText: "10.00 AUD" }).waitFor();
  await ctx.close();
});

test("the requester sees her request approved, and another declined with its reason, without touching the page", async () => {
  const desk = await session(...TABLET);
  const { page } = desk;
  await signIn(page, "fiona");
  const path = await notInBook(page, "Lena Waits");
  // Amounts above her per-case limit (so each waits for a manager), small enough to leave room in the
  // manager's day for the other test files' approvals.
  for (const v of ["150", "120"]) {
    await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
    await page.getByLabel(/^Value/).fill(v);
    await page.getByRole("button", { name: "Give gesture" }).click();
    await page.locator("#case-gestures .row", { hasText: `${v}.00 AUD` }).waitFor();
  }
  const row = (v) => page.locator("#case-gestures .row", { hasText: `${v}.00 AUD` });
  assert.match(await row("150").innerText(), /Waiting for approval/);

  const mgr = await session(...TABLET);
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto(path);
  const mrow = (v) => mgr.page.locator("#case-gestures .row", { hasText: `${v}.00 AUD` });
  await mrow("150").getByRole("button", { name: "Approve" }).click();
  await mgr.page.getByText("Gesture approved.").waitFor();
  let t0 = Date.now();
  await row("150").locator(".status", { hasText: "Approved" }).waitFor({ timeout: 5000 });
  console.log(`approval seen by the requester after ${Date.now() - t0} ms`);
  const reason = "Flowers twice is too much; a card instead";
  await mrow("120").getByLabel(/Reason to decline/).fill(reason);
  await mrow("120").getByRole("button", { name: "Decline" }).click();
  await mgr.page.getByText("Gesture declined.").waitFor();
  t0 = Date.now();
  await row("120").getByText(reason).waitFor({ timeout: 5000 });
  console.log(`decline seen by the requester after ${Date.now() - t0} ms`);
  assert.match(await row("120").innerText(), /Declined/);
  await shot(page, "case-live-decision", false);
  await mgr.ctx.close();
  await desk.ctx.close();
});

test("two people on one case: the second one's stale edit and close get the stale message and the fresh section", async () => {
  const a = await session(...TABLET);
  await signIn(a.page, "maria@harbourdental.example");
  const path = await notInBook(a.page, "Sam Twice");
  const b = await session(...TABLET);
  await signIn(b.page, "fiona");
  await b.page.goto(path);

  // Maria starts editing the details and writing how to prevent it (typing: live updates leave these alone).
  await a.page.getByText("Edit details", { exact: true }).click();
  await a.page.getByLabel("What happened").fill("Booked by phone for 10:30; the book shows nothing.");
  await a.page.getByLabel(/How do we stop it happening again/).fill("Read bookings back");
  // Meanwhile Fiona ticks a step.
  await b.page.locator(".steps li").first().getByRole("button", { name: "Done" }).click();
  await b.page.getByText("Step done.").waitFor();
  // Maria's page says it changed, without throwing away what she typed.
  await a.page.locator("#case-details .live-note").waitFor({ timeout: 6000 });
  assert.match(await a.page.locator("#case-details .live-note").innerText(), /Fiona Frost/);
  assert.equal(await a.page.getByLabel("What happened").inputValue(), "Booked by phone for 10:30; the book shows nothing.");
  // Her save is refused as stale, with the details as they are now.
  await a.page.getByRole("button", { name: "Save details" }).click();
  const stale = a.page.locator("#case-details .field-error", { hasText: "Someone else changed this case" });
  await stale.waitFor();
  assert.match(await stale.innerText(), /Fiona Frost/);
  assert.ok(await inViewport(stale));
  assert.match(await a.page.locator("#case-description").innerText(), /Card says 10:30/);
  await shot(a.page, "case-stale-edit", false);
  // And her close too (the verify section was kept while she typed in it).
  await a.page.getByRole("button", { name: "Close case" }).click();
  const staleClose = a.page.locator("#close-error", { hasText: "Someone else changed this case" });
  await staleClose.waitFor();
  assert.ok(await inViewport(staleClose));
  await shot(a.page, "case-stale-close", false);
  await a.ctx.close();
  await b.ctx.close();
});

test("phone: a sticky action bar ticks the next step in place; 44 px targets; no sideways scroll", async () => {
  const { ctx, page } = await session(...PHONE);
  await signIn(page, "fiona");
  await notInBook(page, "Pia Phone");
  const bar = page.locator("#case-bar .bar-done");
  await bar.waitFor();
  const first = await bar.innerText();
  assert.match(first, /^Done: /);
  const box = await bar.boundingBox();
  assert.ok(box.y + box.height <= 844 && box.y + box.height > 844 - 90, `the bar sits at the bottom (${box.y})`);
  await shot(page, "case-phone-bar", false);
  // Half-way down the page it is still there, at the bottom.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  const mid = await bar.boundingBox();
  assert.ok(mid.y + mid.height <= 844 && mid.y + mid.height > 844 - 90, "sticky while scrolling");
  const y = await scrollY(page);
  await bar.click();
  await page.locator(".steps li.done").first().waitFor();
  assert.ok(Math.abs((await scrollY(page)) - y) < 3, "the page did not move");
  await page.waitForFunction((t) => document.querySelector("#case-bar .bar-done")?.innerText !== t, first);
  assert.notEqual(await bar.innerText(), first, "the bar offers the next step");
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no horizontal scroll (${wide} px)`);
  const small = await page.evaluate(() => [...document.querySelectorAll("#case-body a, #case-body button, #case-body summary")]
    .filter((e) => e.offsetParent !== null)
    .map((e) => [e.innerText.trim().slice(0, 30), e.getBoundingClientRect()])
    .filter(([, r]) => r.width < 44 || r.height < 44)
    .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`));
  assert.deepEqual(small, [], "every button and link is at least 44 x 44");
  assert.deepEqual(await axeViolations(page), []);
  await ctx.close();
});

for (const [w, h] of [TABLET, PHONE]) {
  const at = w === 390 ? "phone" : "tablet";
  test(`My work (${at}): axe-clean, 44 px targets, no sideways scroll, and it updates by itself`, async () => {
    const { ctx, page } = await session(w, h);
    await signIn(page, "theo@harbourdental.example");
    await page.goto("/my");
    assert.deepEqual(await axeViolations(page), []);
    const small = await page.evaluate(() => [...document.querySelectorAll("#my-body a, #my-body button")]
      .filter((e) => e.offsetParent !== null)
      .map((e) => [e.innerText.trim().slice(0, 30), e.getBoundingClientRect()])
      .filter(([, r]) => r.width < 44 || r.height < 44)
      .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`));
    assert.deepEqual(small, []);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= w);
    // A case logged for him (the dentist's step) appears on his My work without a reload.
    const desk = await session(...TABLET);
    await signIn(desk.page, "fiona");
    const name = `Mo Live ${at}`;
    await logCase(desk.page, {
      search: "anaesthetic", pick: "Pain during treatment", customer: name, what: "The numbing wore off.", fields: { Dentist: "Theo Tran" },
    });
    await page.locator("#my-steps", { hasText: name }).waitFor({ timeout: 8000 });
    await shot(page, `my-work-${at}`, false);
    await desk.ctx.close();
    await ctx.close();
  });
}

// Issue 20, part B, in a real headless Chromium against `olive demo` data: approvals with their
// context, decided in place (a decline needs its reason, then the next request has focus), the
// requester seeing the reason; the log form's errors all at once; the business's own words; the
// phone's menu, tap targets and no sideways scrolling; axe-core on the log page, approvals, the board
// and the customer's follow-up page, at tablet and phone widths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { session, signIn, logCase, shot, axeViolations, inViewport } from "./support.js";

const TABLET = [1024, 800];
const PHONE = [390, 844];

/** The receptionist logs her own case and asks for a gesture above her authority, with a note. */
async function askFor(page, { customer, kind, value, note }) {
  const path = await logCase(page, { search: "not in book", pick: "not in the book", customer,
    what: "Booked for 9:00, not in the book.", fields: { Dentist: "Theo Tran" } });
  await page.getByLabel("Gesture", { exact: true }).selectOption(kind);
  await page.getByLabel(/^Value/).fill(value);
  await page.getByLabel(/^Note for the card/).fill(note);
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.getByText(/Sent to a manager for approval/).first().waitFor();
  return path;
}

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** Visible buttons, navigation links and form controls shorter than 44 px (text links inside
 * paragraphs, table cells and lists of facts are allowed; a hidden radio or checkbox counts by its label). */
async function smallTargets(page) {
  return page.evaluate(() => {
    const out = [];
    const els = document.querySelectorAll("button, a, input:not([type=hidden]), select, textarea, summary");
    for (const el of els) {
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || st.visibility === "hidden") continue;
      if (el.closest("svg")) continue; // chart cells (a heatmap) are links too; their size is the chart's
      if (el.tagName === "A" && el.closest("p, li, dd, td, h1, h2, h3, .muted, .small, .critical-alert, .decision")) continue;
      let h = r.height;
      if (el.tagName === "INPUT" && (el.type === "radio" || el.type === "checkbox")) {
        const label = el.closest("label") || document.querySelector(`label[for="${el.id}"]`);
        if (label) h = Math.max(h, label.getBoundingClientRect().height);
      }
      if (h < 43.5) out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.innerText || el.value || el.name || "").trim().slice(0, 30)}" ${Math.round(h)}px`);
    }
    return out;
  });
}

test("approvals with context: decline needs a reason, then the next request in place; the requester sees why", async () => {
  const tag = Date.now().toString(36).slice(-4);
  const desk = await session(...TABLET);
  await signIn(desk.page, "fiona");
  const first = await askFor(desk.page, { customer: `Ada Quinn ${tag}`, kind: "flowers", value: "300",
    note: "She waited 50 minutes with a toddler" });
  const firstRef = first.split("/").pop();
  // 120: above her 100 per case, and small, as the manager's day (1,000) is shared with the other files'
  // approvals (ledger, olive, case_page) in one run of the suite.
  const second = await askFor(desk.page, { customer: `Bo Lind ${tag}`, kind: "taxi-home", value: "120",
    note: "No bus after 6" });
  const secondRef = second.split("/").pop();
  // She waits on her first case.
  await desk.page.goto(first);

  for (const [w, h] of [TABLET, PHONE]) {
    const mgr = await session(w, h);
    await signIn(mgr.page, "maria@harbourdental.example");
    await mgr.page.goto("/approvals");
    const card = mgr.page.locator("article.approval", { hasText: firstRef });
    await card.waitFor();
    const text = await card.innerText();
    for (const want of [/Patient/, new RegExp(`Ada Quinn ${tag}`), /Appointment not in the book|not in the book/i,
      /Flowers delivered to the patient's home/, /300\.00 AUD/, /usually 60\.00 AUD/, /Already given on this case/,
      /Fiona Frost/, /She waited 50 minutes with a toddler/, /waiting (under a minute|\d+ minutes?)/]) {
      assert.match(text, want);
    }
    assert.doesNotMatch(text, /\bflowers\b(?! delivered)/, "the playbook's name, never the code");
    assert.ok(await noHorizontalScroll(mgr.page), `no sideways scroll on approvals at ${w}px`);
    assert.deepEqual(await axeViolations(mgr.page), [], `axe on approvals at ${w}px`);
    await shot(mgr.page, `approvals-card-${w}`, false);
    await mgr.ctx.close();
  }

  const mgr = await session(...TABLET);
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto("/approvals");
  const card = mgr.page.locator("article.approval", { hasText: firstRef });
  const scrollBefore = await mgr.page.evaluate(() => window.scrollY);
  // Declining without a reason: the message beside the box, nothing decided.
  await card.getByRole("button", { name: "Decline" }).click();
  const err = card.locator(".field-error");
  await err.waitFor();
  assert.match(await err.innerText(), /say why|reason/i);
  const box = card.getByLabel(/Reason for declining/);
  assert.equal(await box.getAttribute("aria-invalid"), "true");
  assert.ok(await inViewport(err), "the message is in view");
  assert.equal(await mgr.page.evaluate(() => window.scrollY), scrollBefore, "no jump");
  // With a reason: the card becomes a short line and the next request has focus.
  const reason = `A handwritten card suits this better ${tag}`;
  await box.fill(reason);
  await card.getByRole("button", { name: "Decline" }).click();
  await mgr.page.getByText(/^Declined — (\d+ more waiting|nothing else is waiting)\./).waitFor();
  assert.equal(new URL(mgr.page.url()).pathname, "/approvals", "still on the queue, never the case");
  // The next request waiting (another test file's may come before this file's second one) takes the focus
  // once htmx has settled the answer (a few milliseconds after the line appears).
  if (await mgr.page.locator("article.approval").count()) {
    const moved = await mgr.page.waitForFunction(() => document.activeElement?.matches("article.approval") ?? false,
      null, { timeout: 2000 }).then(() => true, () => false);
    assert.equal(moved, true, "focus on the next card");
    const focused = await mgr.page.evaluate(() => document.activeElement.innerText);
    assert.match(focused, /Approve/, "the focused card is a request to decide");
  }
  const nextCard = mgr.page.locator("article.approval", { hasText: secondRef });
  await shot(mgr.page, "approvals-after-decline", false);
  // Approve the second: the line says so, in place.
  if (await nextCard.count()) {
    await nextCard.getByRole("button", { name: "Approve" }).click();
    await mgr.page.getByText(/^Approved — /).waitFor();
  }

  // The receptionist, without touching her page, sees who declined and why (within 5 s of the poll).
  const alert = desk.page.locator("#live-alert .decision", { hasText: firstRef });
  await alert.waitFor({ timeout: 9000 });
  assert.match(await alert.innerText(), new RegExp(reason));
  await desk.ctx.close();
  await mgr.ctx.close();
});

test("the log form shows every missing field at once, in the playbook's words", async () => {
  for (const [w, h] of [TABLET, PHONE]) {
    const { ctx, page } = await session(w, h);
    await signIn(page, "fiona");
    await page.goto("/");
    await page.getByRole("heading", { name: "Log a patient's problem" }).waitFor();
    assert.deepEqual(await axeViolations(page), [], `axe on the log page at ${w}px`);
    await page.getByLabel(/^Phone/).fill("0412 345");
    await page.getByRole("button", { name: /Log it/ }).click();
    const summary = page.locator("#error-summary");
    await summary.waitFor();
    const items = await summary.locator("li").allInnerTexts();
    assert.ok(items.length >= 3, `several messages at once: ${items.join(" | ")}`);
    for (const [id, re] of [["defect-search", /what went wrong/i], ["customer_name", /patient's name/i], ["description", /what happened/i]]) {
      const input = page.locator(`#${id}`);
      assert.equal(await input.getAttribute("aria-invalid"), "true", id);
      const desc = await input.getAttribute("aria-describedby");
      assert.match(await page.locator(`#${desc}`).innerText(), re, id);
      assert.equal(await summary.locator(`a[href="#${id}"]`).count(), 1, `summary links to ${id}`);
    }
    assert.equal(await page.getByLabel(/^Phone/).inputValue(), "0412 345", "what was typed is kept");
    assert.deepEqual(await axeViolations(page), [], `axe on the refused log form at ${w}px`);
    await shot(page, `log-errors-${w}`);
    await ctx.close();
  }
  // The restaurant says "guest".
  const { ctx, page } = await session(...TABLET);
  await signIn(page, "gabe@thegrill.example");
  await page.goto("/");
  await page.getByRole("heading", { name: "Log a guest's problem" }).waitFor();
  await ctx.close();
});

test("phone: a compact menu, 44 px targets, no sideways scroll; tablet keeps the full bar; axe on the board and follow-up", async () => {
  const { ctx, page } = await session(...PHONE);
  await signIn(page, "maria@harbourdental.example");
  await page.goto("/board");
  const header = await page.locator("header.top").boundingBox();
  assert.ok(header.height <= 84.4, `header ${header.height}px tall (at most 10% of 844)`);
  const menu = page.locator("header details.nav-menu");
  assert.equal(await page.locator("header nav.nav-wide").isVisible(), false);
  await shot(page, "phone-nav-closed", false);
  await menu.locator("summary").click();
  const links = menu.getByRole("link");
  await links.first().waitFor();
  assert.ok(await menu.getByRole("link", { name: "Approvals" }).isVisible());
  assert.ok(await menu.getByRole("link", { name: "Cases" }).isVisible());
  await shot(page, "phone-nav-open", false);
  await menu.getByRole("link", { name: "Cases" }).click();
  await page.waitForURL(/\/cases/);
  for (const path of ["/", "/board", "/cases", "/approvals", "/my", "/insights", "/settings"]) {
    await page.goto(path);
    assert.ok(await noHorizontalScroll(page), `horizontal scroll on ${path}`);
    assert.deepEqual(await smallTargets(page), [], `tap targets under 44 px on ${path}`);
  }
  await page.goto("/board");
  assert.deepEqual(await axeViolations(page), [], "axe on the board (phone)");
  await shot(page, "phone-board");
  await ctx.close();

  const tab = await session(...TABLET);
  await signIn(tab.page, "maria@harbourdental.example");
  await tab.page.goto("/board");
  assert.ok(await tab.page.locator("header nav.nav-wide").getByRole("link", { name: "Approvals" }).isVisible(), "full bar at 1024 px");
  assert.equal(await tab.page.locator("header details.nav-menu").isVisible(), false);
  assert.deepEqual(await axeViolations(tab.page), [], "axe on the board (tablet)");
  await tab.ctx.close();

  // The customer's follow-up page (the demo's link; answered or not, the page must be clean).
  const dir = process.env.OLIVE_DATA_DIR;
  if (dir) {
    const path = new URL(readFileSync(`${dir}/demo-followup.txt`, "utf8").trim()).pathname;
    for (const [w, h] of [TABLET, PHONE]) {
      const s = await session(w, h);
      await s.page.goto(path);
      assert.deepEqual(await axeViolations(s.page), [], `axe on the follow-up page at ${w}px`);
      assert.ok(await noHorizontalScroll(s.page));
      await s.ctx.close();
    }
  }
});

// Olive in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
// Needs OLIVE_URL (a server running `olive demo` data) and saves screenshots to OLIVE_SCREENSHOTS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SHOTS, session, signIn, shot } from "./support.js";
import { readFileSync } from "node:fs";

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

test("sign in: a wrong password is refused without saying which part was wrong", async () => {
  const { ctx, page } = await session();
  await page.goto("/login");
  await page.getByLabel("Email or username").fill("fiona");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(page.getByText("do not match").waitFor());
  await signIn(page, "fiona");
  await page.getByRole("heading", { name: /^Log an? \w+'s problem$/ }).waitFor();
  // Her name at the top is readable (white on the green bar) and opens her recent sign-ins,
  // the failed attempt on her account included.
  const me = page.locator("header .me a");
  assert.equal(await me.evaluate((a) => getComputedStyle(a).color), "rgb(255, 255, 255)");
  await me.click();
  await page.getByRole("heading", { name: "Recent sign-ins" }).waitFor();
  const mine = page.locator("table").first();
  await assert.doesNotReject(mine.getByText("Signed in").first().waitFor());
  await assert.doesNotReject(mine.getByText("Failed sign-in").first().waitFor());
  assert.equal(await page.getByRole("heading", { name: "Everyone's" }).count(), 0, "a receptionist sees only her own");
  await shot(page, "recent-sign-ins");
  await ctx.close();
});

test("the missing appointment, end to end: log, steps, gestures, live approval, card, hand-off, wording", async () => {
  const desk = await session();
  const { page } = desk;
  await signIn(page, "fiona");
  await shot(page, "front-desk-log");

  // Log the case from the front-desk screen, counting interactions (a fill or a click each).
  let interactions = 0;
  const started = Date.now();
  await page.getByLabel("Find the defect by words").fill("not in book"); interactions++;
  const hit = page.locator("#search-results label.pick", { hasText: "not in the book" });
  await hit.click(); interactions++;
  await page.getByLabel(/^(Patient|Guest|Customer)'s name/).fill("Ava Nguyen"); interactions++;
  await page.getByLabel("Phone (optional)").fill("0400 111 222"); interactions++;
  await page.getByLabel("What happened (a sentence)").fill("Card says 10:30, not in the book."); interactions++;
  await page.getByRole("button", { name: /Log it/ }).click(); interactions++;
  await page.waitForURL(/\/cases\/C-\d+/);
  const seconds = (Date.now() - started) / 1000;
  console.log(`logged the missing appointment with ${interactions} interactions in ${seconds.toFixed(1)} s (browser time, not counting reading)`);
  assert.ok(interactions <= 6, `${interactions} interactions`);
  assert.ok(seconds < 30, `${seconds} s to log a case`);
  const caseUrl = new URL(page.url()).pathname;
  await page.getByText("Logged. This case is yours").waitFor();
  assert.equal(await page.locator(".steps li").count(), 6);
  await shot(page, "case-page");

  // Complete the first step.
  await page.locator(".steps li").first().getByRole("button", { name: "Done" }).click();
  await page.getByText("Step done.").waitFor();
  assert.match(await page.locator(".steps li").first().innerText(), /done by Fiona/);

  // Complete the next step too, and skip one with a reason (a skip without one is refused).
  await page.locator(".steps li").nth(1).getByRole("button", { name: "Done" }).click();
  await page.getByText("Step done.").waitFor();
  const fifth = page.locator(".steps li").nth(4);
  await fifth.getByText("Skip…").click();
  await fifth.getByRole("button", { name: "Skip step" }).click();
  await page.locator(".steps li").nth(4).locator(".field-error").waitFor();
  const fifthAgain = page.locator(".steps li").nth(4);
  await fifthAgain.getByLabel("Why skip it?").fill("Manager already fixed the book template");
  await fifthAgain.getByRole("button", { name: "Skip step" }).click();
  await page.getByText("Step skipped.").waitFor();
  assert.match(await page.locator(".steps li").nth(4).innerText(), /skipped by Fiona/);

  // The card note is wording-checked live as well.
  await page.getByLabel(/Note for the card/).fill("Sorry, that's our policy.");
  await page.locator("#g-note-findings .finding").getByText("that's our policy").waitFor();
  await page.getByLabel(/Note for the card/).fill("");

  // A $10 card is within authority: approved at once, and the remaining authority is shown.
  await page.getByLabel("Gesture", { exact: true }).selectOption("lottery-card");
  await page.getByLabel(/^Value/).fill("10");
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.getByText("Gesture approved").waitFor();
  await page.getByText(/You can give up to 90\.00 AUD on this case/).waitFor();

  // The manager, in another browser session, is on some other page.
  const mgr = await session();
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto("/board");

  // $300 flowers wait for a manager.
  await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
  await page.getByLabel(/^Value/).fill("300");
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.getByRole("status").getByText("Sent to a manager for approval").waitFor();

  // The manager's page shows the live alert without reloading; they approve from the queue.
  const alert = mgr.page.locator("#live-alert");
  await alert.getByText(/waiting for your approval/).waitFor({ timeout: 20000 });
  await shot(mgr.page, "manager-live-alert");
  await mgr.page.goto("/approvals");
  await shot(mgr.page, "approvals");
  const item = mgr.page.locator("article", { hasText: "300.00 AUD" }).first();
  await item.getByRole("button", { name: "Approve" }).click();
  await mgr.page.getByText(/^Approved — /).waitFor();

  await page.goto(caseUrl);
  const flowersRow = page.locator("#g-h").locator("..").locator(".row", { hasText: "300.00 AUD" });
  await flowersRow.locator(".status", { hasText: "approved" }).waitFor();
  // It names who decided (the manager), not who asked.
  assert.match(await flowersRow.innerText(), /asked by Fiona Frost .*approved by Maria Manning/);

  // Print view of the card: personalised, laid out as a card.
  const cardRow = page.locator("#g-h").locator("..").locator(".row", { hasText: "10.00 AUD" });
  await cardRow.getByRole("link", { name: "Print card" }).click();
  await page.locator("#card").getByText("Dear Ava, just a small note").waitFor();
  await shot(page, "print-card");
  await page.goto(caseUrl);

  // A hand-off without a reason is refused with a message next to the field.
  await page.getByLabel("Hand to").selectOption({ label: "Maria Manning" });
  await page.getByRole("button", { name: "Propose hand-off" }).click();
  await page.locator("#h-reason-error").waitFor();
  assert.match(await page.locator("#h-reason-error").innerText(), /why you are handing/i);
  await page.getByText("The case stays with you until the other person accepts it.").waitFor();

  // Live wording check: flags "buying your steak" and the suggestion can be applied.
  const note = page.getByLabel("Note", { exact: true });
  await note.fill("I'm buying your steak tonight.");
  const finding = page.locator("#n-text-findings .finding");
  await finding.waitFor();
  assert.match(await finding.innerText(), /buying your steak/);
  await finding.getByRole("button", { name: "Use suggestion" }).click();
  assert.match(await note.inputValue(), /no charge for your steak/i);
  await page.locator("#n-text-findings .ok-note").waitFor();
  await shot(page, "wording-check");

  // The customer rings back: the front desk finds the case by the number, however it is written.
  await page.goto("/cases");
  await page.getByLabel(/Find a (patient|guest|customer) or case/).fill("0400-111-222");
  await page.getByRole("button", { name: "Filter" }).click();
  const reference = caseUrl.split("/").pop();
  await page.locator("tbody a", { hasText: reference }).waitFor();
  assert.equal(await page.locator("tbody tr").count(), 1, "only Ava's case");
  await shot(page, "cases-search");

  await desk.ctx.close();
  await mgr.ctx.close();
});

test("experience-cycle board shows the demo history", async () => {
  const { ctx, page } = await session();
  await signIn(page, "maria@harbourdental.example");
  await page.goto("/board?days=90");
  const counts = await page.locator("#board .count").allInnerTexts();
  assert.ok(counts.length >= 7, "a column per stage");
  assert.ok(counts.map(Number).reduce((a, b) => a + b, 0) > 20, `counts ${counts}`);
  await shot(page, "board");
  await ctx.close();
});

test("shared front-desk tablet: switch user by PIN, wrong PINs are refused", async () => {
  const { ctx, page } = await session();
  await signIn(page, "maria@harbourdental.example");
  await page.goto("/settings");
  await shot(page, "settings");
  await page.getByLabel("Device name").fill("Front desk tablet");
  await page.getByRole("button", { name: "Make this a shared device" }).click();
  await page.waitForURL(/\/switch/);
  await page.getByText("Fiona Frost").click();
  await page.getByLabel("PIN").fill("0000");
  await page.getByRole("button", { name: "Switch" }).click();
  await page.getByText(/PIN is not right/).waitFor();
  await page.getByText("Fiona Frost").click();
  await page.getByLabel("PIN").fill("2222");
  await page.getByRole("button", { name: "Switch" }).click();
  await page.getByRole("heading", { name: /^Log an? \w+'s problem$/ }).waitFor();
  assert.match(await page.locator("header .me").innerText(), /Fiona Frost/);
  await page.getByRole("button", { name: "Switch user" }).click();
  await page.waitForURL(/\/switch/);
  await shot(page, "pin-switch");
  await ctx.close();
});

test("phone width: the main pages have no horizontal scroll", async () => {
  const { ctx, page } = await session(390, 844);
  await signIn(page, "fiona");
  for (const path of ["/", "/my", "/cases", "/board", "/playbook"]) {
    await page.goto(path);
    assert.ok(await noHorizontalScroll(page), `horizontal scroll on ${path}`);
  }
  await page.goto("/");
  await shot(page, "phone-log");
  await page.goto("/cases?status=active");
  const first = page.locator("table a").first();
  await first.click();
  await page.waitForURL(/\/cases\/C-/);
  assert.ok(await noHorizontalScroll(page), "horizontal scroll on the case page");
  await shot(page, "phone-case");
  await ctx.close();
});

test("the customer's follow-up page at phone width: no sign-in, big targets, answered once", async () => {
  const dir = process.env.OLIVE_DATA_DIR;
  assert.ok(dir, "OLIVE_DATA_DIR names the demo's data folder");
  const link = readFileSync(`${dir}/demo-followup.txt`, "utf8").trim();
  const path = new URL(link).pathname;
  const { ctx, page } = await session(390, 844);
  const res = await page.goto(path);
  assert.equal(res.status(), 200);
  await page.getByRole("heading", { name: /did we make it right\?/ }).waitFor();
  // Only the business and the customer's first name: no case details, no staff names, no navigation.
  const text = await page.locator("body").innerText();
  assert.match(text, /Harbour Dental/);
  assert.doesNotMatch(text, /C-\d+|@|Sign out|appointment card/i);
  assert.ok(await noHorizontalScroll(page), "no sideways scrolling on a phone");
  const box = await page.locator(".choice span").first().boundingBox();
  assert.ok(box.height >= 44, `touch target ${box.height}px tall`);
  await shot(page, "followup");
  // Sending without choosing is stopped by the browser; then answer.
  await page.getByRole("radio", { name: "5" }).click();
  await page.getByRole("radio", { name: "Yes" }).click();
  await page.getByLabel(/anything you would like to tell us/i).fill("The flowers were a lovely surprise.");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("heading", { name: "Thank you" }).waitFor();
  await assert.doesNotReject(page.getByText("glad we could put it right").waitFor());
  await shot(page, "followup-thanks");
  // The link works once.
  await page.goto(path);
  await page.getByText("We already have your answer").waitFor();
  // Stopping further messages takes one tap on the link and one on the button; no answer needed.
  await page.getByRole("link", { name: "Stop messages about this" }).click();
  await page.getByRole("heading", { name: "Stop messages about this?" }).waitFor();
  const stop = page.getByRole("button", { name: "Stop messages about this" });
  const stopBox = await stop.boundingBox();
  assert.ok(stopBox.height >= 44, `touch target ${stopBox.height}px tall`);
  await stop.click();
  const done = page.getByText("won't contact you about this again");
  await done.waitFor();
  assert.ok(await done.isVisible() && (await done.boundingBox()).y < 844, "the confirmation is on screen");
  await shot(page, "followup-stopped");
  const unknown = await page.goto("/f/" + "0".repeat(64));
  assert.equal(unknown.status(), 404);
  await ctx.close();
});

test("closing the loop for staff: reminders in My work, escalations and messages for the manager, a follow-up from the case page", async () => {
  const { ctx, page } = await session();
  await signIn(page, "maria@harbourdental.example");
  // The worker has run over the demo's open cases: reminders and escalations reach My work.
  await page.goto("/my");
  await page.getByRole("heading", { name: "Reminders" }).waitFor({ timeout: 20000 });
  await shot(page, "my-work-reminders");
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.waitForURL("**/my");
  assert.equal(await page.locator(".notices li.unread").count(), 0);
  // Messages: emails wait for SMTP in the demo; a webhook endpoint can be added and its secret is shown once.
  await page.getByRole("link", { name: "Messages" }).click();
  await page.getByRole("heading", { name: "Messages" }).waitFor();
  await page.getByRole("heading", { name: /Waiting to go/ }).waitFor();
  const form = page.locator("form[action='/messages/webhooks']").first();
  await form.getByLabel("Endpoint URL").fill("ftp://example.com/");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText("only http:// and https://").waitFor();
  await page.locator("form[action='/messages/webhooks']").first().getByLabel("Endpoint URL").fill("https://hooks.example.com/olive");
  await page.locator("form[action='/messages/webhooks']").first().getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText(/signing secret, shown this once: whsec_/).waitFor();
  await shot(page, "messages");
  // Escalated cases are one click away, and a case awaiting verification can email the follow-up.
  await page.getByRole("link", { name: /Escalated cases/ }).click();
  await page.waitForURL(/escalated=1/);
  await page.goto("/cases?status=awaiting_verification");
  await page.locator("table a").first().click();
  await page.getByRole("heading", { name: /Ask the (patient|guest|customer)/ }).waitFor();
  const box = page.getByLabel(/Did we make it right/);
  if (await box.count()) {
    assert.ok((await box.inputValue()).length > 20, "the message is prefilled");
    await page.getByRole("button", { name: "Email the follow-up" }).click();
    await page.getByText(/Follow-up queued|waiting for the (patient|guest|customer)'s answer/).first().waitFor();
  }
  await shot(page, "case-follow-up");
  await ctx.close();
});

test("audit trail: the manager sees who changed what and from where, filters it and downloads CSV; the front desk has no Audit page", async () => {
  const { ctx, page } = await session();
  await signIn(page, "maria@harbourdental.example");
  await page.getByRole("link", { name: "Audit" }).click();
  await page.getByRole("heading", { name: "Audit trail" }).waitFor();
  const rows = page.locator("table tbody tr");
  assert.ok((await rows.count()) > 10, "the demo's history is in the trail");
  await page.getByLabel("Action").selectOption("case.gesture_");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/action=case.gesture_/);
  const actions = await page.locator("table tbody td code").allInnerTexts();
  assert.ok(actions.some((a) => a.startsWith("case.gesture_")), `actions ${actions.slice(0, 4)}`);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const file = await (await download).path();
  const csv = (await import("node:fs")).readFileSync(file, "utf8");
  assert.ok(csv.startsWith("at,actor_id,actor_name,via"), csv.slice(0, 80));
  await shot(page, "audit");
  await ctx.close();
  // Front-desk staff: no link, and the page is refused.
  const fd = await session();
  await signIn(fd.page, "fiona");
  assert.equal(await fd.page.getByRole("link", { name: "Audit" }).count(), 0);
  const res = await fd.page.goto("/audit");
  assert.equal(res.status(), 403);
  await fd.ctx.close();
});

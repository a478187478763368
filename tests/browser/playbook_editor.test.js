// The playbook editor in plain language (issue 20 C): one stage at a time; a defect edited in place with
// deadlines chosen in words (no "PT10M"); steps added, reordered and retitled; retire with a confirmation
// and an undo; a manager's edit changes only her location's own copy (the group's default is left alone);
// a location copy based on an older built-in release is offered the newer one, differences side by side.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, shot, axeViolations } from "./support.js";

const EDITED = "waiting-room-cold-or-dirty";

async function openStage(page, name) {
  await page.goto("/playbook");
  await page.getByRole("navigation", { name: "Stages of the cycle" }).getByRole("link", { name: new RegExp(`^${name}`) }).click();
  await page.locator("#stage-h", { hasText: name }).waitFor();
  // the stage shown is the one marked in the list
  assert.match(await page.locator('.pb-stages a[aria-current="page"]').innerText(), new RegExp(`^${name}`));
}

test("playbook editor: plain-language deadlines, add, reorder and retitle steps, a location-only edit", async () => {
  const { page, ctx } = await session(1024, 800);
  await signIn(page, "maria@harbourdental.example");
  await openStage(page, "Waiting");
  // The stage list shows every stage with its number of defects; only one stage's defects are loaded.
  const stages = await page.locator(".pb-stages a").allInnerTexts();
  assert.ok(stages.length >= 5 && stages.every((s) => /\d+$/.test(s.trim())), stages.join(" | "));
  assert.equal(await page.locator("#d-long-wait").count(), 1);
  assert.equal(await page.locator("#d-pain-during-treatment").count(), 0);
  await shot(page, "playbook-stage-list", false);

  const card = page.locator(`#d-${EDITED}`);
  await card.getByRole("link", { name: /^Edit/ }).click();
  const form = card.locator("form.pb-form");
  await form.waitFor();
  // No ISO text anywhere: the deadline is a choice in words.
  const body = await page.locator("main").innerText();
  assert.doesNotMatch(body, /PT\d+[MH]|same_day|next_business_day|front_desk/);
  const before = await form.locator(".pb-step").count();

  // Add a step: it arrives before the closing check, with a plain deadline to choose.
  await form.getByRole("button", { name: "Add a step" }).click();
  await page.waitForFunction((n) => document.querySelectorAll(`#d-${"waiting-room-cold-or-dirty"} .pb-step`).length === n + 1, before);
  const steps = form.locator(".pb-step");
  const added = steps.filter({ has: page.locator('input[value="New step"]') });
  await added.getByLabel("Title").fill("Offer a warm drink while we fix it");
  await added.getByLabel("Due").selectOption({ label: "Within N minutes" });
  await added.getByLabel(/^N/).fill("ten");
  await form.getByRole("button", { name: "Save", exact: true }).click();
  // A bad number is reported beside its field, in words; what was typed is kept.
  const err = page.locator(`#d-${EDITED} .pb-step .field-error`).first();
  await err.waitFor();
  assert.match(await err.innerText(), /Enter a whole number of minutes/);
  const addedAgain = page.locator(`#d-${EDITED} .pb-step`).filter({ has: page.locator('input[value="Offer a warm drink while we fix it"]') });
  assert.equal(await addedAgain.getByLabel(/^N/).inputValue(), "ten");
  await addedAgain.getByLabel(/^N/).fill("15");
  await shot(page, "playbook-deadline-choice", false);
  await page.locator(`#d-${EDITED}`).getByRole("button", { name: "Save", exact: true }).click();
  await page.locator(`#d-${EDITED} .flash.ok`).waitFor();
  assert.match(await page.locator(`#d-${EDITED} .flash.ok`).innerText(), /Saved/);

  // Reorder: move the new step up one; the new order is shown and saved.
  const titles = async () => page.locator(`#d-${EDITED} .pb-step input[name$="_title"]`).evaluateAll((els) => els.map((e) => e.value));
  const order = await titles();
  const at = order.indexOf("Offer a warm drink while we fix it");
  assert.ok(at > 0, order.join(" | "));
  await page.locator(`#d-${EDITED} .pb-step`).nth(at).getByRole("button", { name: /^Move up/ }).click();
  await page.waitForFunction(([code, i]) => document.querySelectorAll(`#d-${code} .pb-step input[name$="_title"]`)[i]?.value === "Offer a warm drink while we fix it", [EDITED, at - 1]);
  assert.match(await page.locator(`#d-${EDITED} .flash.ok`).innerText(), /reordered and saved/);

  // Retitle the first step and save.
  await page.locator(`#d-${EDITED} .pb-step`).first().getByLabel("Title").fill("Apologise for the room and say what we will do");
  await page.locator(`#d-${EDITED}`).getByRole("button", { name: "Save", exact: true }).click();
  await page.locator(`#d-${EDITED} .flash.ok`, { hasText: "Saved" }).waitFor();
  await shot(page, "playbook-defect-editing", false);

  // After a reload the summary reads the saved protocol in words.
  await page.goto("/playbook?stage=waiting");
  const summary = page.locator(`#d-${EDITED} .pb-summary`);
  await summary.locator("summary").click();
  const text = await summary.innerText();
  assert.ok(text.indexOf("Apologise for the room") < text.indexOf("Offer a warm drink"), text);
  assert.match(text, /within 15 minutes/);
  assert.match(await page.locator(".pb-whose").innerText(), /Harbour Dental's own copy/);

  // The group's default (what other locations sharing the dental playbook use) is unchanged.
  const admin = await session(1024, 800);
  await signIn(admin.page, "olivia@harbourgroup.example");
  await admin.page.goto("/playbook");
  const loc = await admin.page.locator("#pb-loc option", { hasText: "Harbour Dental" }).getAttribute("value");
  await admin.page.goto(`/playbook?location=${loc}&stage=waiting&group=1`);
  assert.match(await admin.page.locator(".pb-whose").innerText(), /group's playbook/);
  const groupCard = admin.page.locator(`#d-${EDITED}`);
  await groupCard.locator(".pb-summary summary").click();
  assert.doesNotMatch(await groupCard.innerText(), /Offer a warm drink|Apologise for the room/);
  await admin.ctx.close();
  await ctx.close();
});

test("playbook editor: retire a defect with a confirmation, then undo", async () => {
  const { page, ctx } = await session(1024, 800);
  await signIn(page, "maria@harbourdental.example");
  await openStage(page, "Checkout");
  const card = page.locator("#d-receipt-missing");
  const title = (await card.locator("h3").innerText()).replace(/^\s*\w+\s+/, "").trim();
  await card.getByRole("link", { name: /^Retire/ }).click();
  const yes = card.getByRole("button", { name: /^Yes, retire/ });
  await yes.waitFor();
  assert.ok((await yes.innerText()).includes(title), await yes.innerText());
  await shot(page, "playbook-retire-confirm", false);
  await yes.click();
  const undo = page.locator(".pb-undo");
  await undo.waitFor();
  assert.match(await undo.innerText(), /^Retired ‘.+’\./);
  assert.equal(await page.locator("#d-receipt-missing").count(), 0);
  assert.match(await page.locator(".pb-retired summary").innerText(), /Retired defects \(1\)/);
  await shot(page, "playbook-retire-undo", false);
  await undo.getByRole("button", { name: "Undo" }).click();
  await page.locator("#d-receipt-missing").waitFor();
  assert.match(await page.locator("#stage .flash.ok").innerText(), /Restored/);
  assert.equal(await page.locator(".pb-retired").count(), 0);
  await ctx.close();
});

test("playbook editor: The Grill is offered the newer built-in playbook, sees the differences and adopts one defect", async () => {
  const { page, ctx } = await session(1024, 800);
  await signIn(page, "gabe@thegrill.example");
  await page.goto("/playbook");
  const offer = page.locator(".pb-offer");
  await offer.waitFor();
  assert.match(await offer.locator("h2").innerText(), /A newer built-in Restaurant playbook is available/);
  const diff = offer.locator("#diff-cold-food");
  await diff.locator("summary").click();
  const rows = diff.locator(".pb-diff-row.changed");
  assert.ok((await rows.count()) >= 1);
  const first = await rows.first().innerText();
  assert.match(first, /Sorry about that\. I'll get it fixed\./);
  assert.match(await diff.locator(".pb-diff-head").innerText(), /Your playbook\s+New built-in/);
  await shot(page, "playbook-built-in-offer", false);
  await diff.getByRole("button", { name: /^Adopt the new version/ }).click();
  await page.waitForURL(/done=/);
  assert.match(await page.locator("#stage .flash.ok").innerText(), /Adopted the built-in version of 1 defect/);
  assert.equal(await page.locator(".pb-offer").count(), 0);
  await page.goto("/playbook?stage=food-served");
  await page.locator("#d-cold-food .pb-summary summary").click();
  assert.doesNotMatch(await page.locator("#d-cold-food").innerText(), /Sorry about that\. I'll get it fixed\./);
  await ctx.close();
});

test("playbook editor: no serious accessibility violation, tablet and phone; no sideways scroll at 390 px", async () => {
  for (const [w, h] of [[1024, 800], [390, 844]]) {
    const { page, ctx } = await session(w, h);
    await signIn(page, "maria@harbourdental.example");
    await page.goto("/playbook?stage=waiting");
    assert.deepEqual(await axeViolations(page), []);
    await page.locator(`#d-${EDITED}`).getByRole("link", { name: /^Edit/ }).click();
    await page.locator(`#d-${EDITED} form.pb-form`).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    if (w === 390) {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(over <= 0, `scrolls sideways by ${over}px`);
      await shot(page, "playbook-phone", false);
    }
    await ctx.close();
  }
});

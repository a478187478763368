// The playbook editor in plain language (issue 20 C): one stage at a time; a defect edited in place with
// deadlines chosen in words (no "PT10M"); steps added, reordered and retitled; retire with a confirmation
// and an undo; a manager's edit changes only her location's own copy (the group's default is left alone);
// a location copy based on an older built-in release is offered the newer one, differences side by side.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, shot, axeViolations, inViewport } from "./support.js";

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
  // And the group's other practice, which runs the group's playbook, still has the room as it was.
  const other = await session(1024, 800);
  await signIn(other.page, "nadia@balmaindental.example");
  await other.page.goto("/playbook?stage=waiting");
  assert.match(await other.page.locator(".pb-whose").innerText(), /group's playbook, which Balmain Dental uses/);
  const theirs = other.page.locator(`#d-${EDITED}`);
  await theirs.locator(".pb-summary summary").click();
  const theirText = await theirs.innerText();
  assert.doesNotMatch(theirText, /Offer a warm drink|Apologise for the room/);
  await other.ctx.close();
  await ctx.close();
});

test("playbook editor: words, roles, gestures and case fields; a bad value beside its field; Balmain unchanged", async () => {
  const { page, ctx } = await session(1024, 800);
  await signIn(page, "maria@harbourdental.example");
  await page.goto("/playbook?stage=waiting");
  await page.getByRole("link", { name: "Words, roles, gestures and case fields" }).click();
  await page.locator("#pb-settings form").waitFor();
  const form = page.locator("#pb-settings");
  // The practice's own words are there to change, with Olive's as the fallback.
  assert.equal(await form.getByLabel("One", { exact: true }).inputValue(), "patient");
  assert.equal(await form.getByLabel("Team member", { exact: true }).inputValue(), "Dentist");
  assert.equal(await form.getByLabel("Label").first().inputValue(), "Dentist");
  assert.doesNotMatch(await page.locator("main").innerText(), /typical_value_cents|front_desk|needs_address/);

  // A gesture still offered by defects cannot be taken out; the reason is beside it, nothing saved.
  const flowers = form.locator(".pb-row", { has: page.locator('input[value="Flowers delivered to the patient\'s home"]') });
  await flowers.getByLabel("Take out of the playbook").check();
  await form.getByRole("button", { name: "Save words and gestures" }).click();
  const still = page.locator("#pb-settings .pb-row .field-error").first();
  await still.waitFor();
  assert.match(await still.innerText(), /Still offered by .+: take it out of those defects first/);
  assert.match(await page.locator("#pb-settings .flash.bad").innerText(), /Nothing was saved/);
  // The refused box has the focus, and its reason is in view, not up the page out of sight.
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
  assert.ok(await inViewport(still), "the reason is in view");

  // A new gesture with a value that is not an amount: the message is beside the value, typed text kept.
  const fresh = page.locator("#pb-settings .pb-row.pb-new").first();
  assert.equal(await page.locator("#pb-settings .pb-row.pb-new").count(), 2, "one blank row for a gesture, one for a field");
  await page.locator("#pb-settings .pb-row", { has: page.locator('input[value="Flowers delivered to the patient\'s home"]') })
    .getByLabel("Take out of the playbook").uncheck();
  await fresh.getByLabel(/Add a gesture: name/).fill("Parking paid for the next visit");
  await fresh.getByLabel("Usual value").fill("twelve");
  await page.locator("#pb-settings").getByRole("button", { name: "Save words and gestures" }).click();
  const bad = page.locator("#pb-settings .pb-row.pb-new .field-error").first();
  await bad.waitFor();
  assert.match(await bad.innerText(), /Enter an amount such as 60\.00/);
  const valueBox = page.locator("#pb-settings .pb-row.pb-new").first().getByLabel("Usual value");
  assert.equal(await valueBox.inputValue(), "twelve");
  assert.equal(await valueBox.getAttribute("aria-invalid"), "true");
  await page.waitForFunction(() => document.activeElement?.name?.endsWith("_value"));
  assert.ok(await inViewport(bad), "the message is in view, beside the box that has the focus");
  await shot(page, "playbook-settings-error", false);

  await valueBox.fill("12.50");
  await page.locator("#pb-settings").getByRole("button", { name: "Save words and gestures" }).click();
  const saved = page.locator("#pb-settings .flash.ok");
  await saved.waitFor();
  assert.match(await saved.innerText(), /Saved/);
  assert.ok(await inViewport(saved), "the answer is beside the button pressed");
  const added = page.locator("#pb-settings .pb-row", { has: page.locator('input[value="Parking paid for the next visit"]') });
  assert.equal(await added.getByLabel("Usual value").inputValue(), "12.50");
  assert.equal(await page.locator("#pb-settings .pb-row.pb-new").count(), 2, "again one blank row each, for the next");
  // The defect editor now offers it.
  await page.goto(`/playbook?stage=waiting&defect=${EDITED}`);
  assert.match(await page.locator(`#d-${EDITED} form.pb-form`).innerText(), /Parking paid for the next visit/);
  await ctx.close();

  // Balmain Dental runs the group's playbook: the new gesture is not in it.
  const other = await session(1024, 800);
  await signIn(other.page, "nadia@balmaindental.example");
  await other.page.goto("/playbook/settings");
  assert.match(await other.page.locator(".pb-whose").innerText(), /group's playbook/);
  assert.equal(await other.page.locator('#pb-settings input[value="Parking paid for the next visit"]').count(), 0);
  for (const [w, h] of [[1024, 800], [390, 844]]) {
    await other.page.setViewportSize({ width: w, height: h });
    assert.deepEqual(await axeViolations(other.page), [], `axe on the settings at ${w}px`);
    const over = await other.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `scrolls sideways by ${over}px at ${w}px`);
  }
  await shot(other.page, "playbook-settings-phone", false);
  await other.ctx.close();
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

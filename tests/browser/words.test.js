// The right words in the browser: on the missing-appointment case and its florist order sheet the
// patient, the dentist and the receptionist each appear in their own place; a restaurant case with no
// name reads "Table 12".
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, shot, inViewport, logCase } from "./support.js";

test("words: the patient, the dentist and the receptionist each in their own place, on the case and the florist's sheet", async () => {
  const { page, ctx } = await session(1024, 1400);
  await signIn(page, "fiona");
  const path = await logCase(page, {
    search: "not in book", pick: "not in the book", customer: "Priyanka Natarajan",
    what: "Card says 9:15 today, not in the book.", fields: { Dentist: "Theo Tran" },
  });
  assert.equal(await page.locator("#case-customer").innerText(), "Priyanka Natarajan");
  assert.equal(await page.locator("#field-provider").innerText(), "Theo Tran");
  await page.getByRole("heading", { name: "Patient", exact: true }).waitFor();

  const words = await page.locator(".steps .wording").allInnerTexts();
  const all = words.join("\n");
  // Each name in its own slot: the dentist where the dentist is meant, the receptionist speaking,
  // the patient greeted; never one standing in for another.
  assert.match(all, /you deserve Theo Tran's full time and attention/);
  assert.match(all, /Hello Priyanka, it's Fiona from Harbour Dental/);
  assert.match(all, /Hi Priyanka, your new appointment with Theo Tran at Harbour Dental/);
  for (const wrong of [/Dr Priyanka/, /it's Priyanka/, /Priyanka's full time/, /\[Name\]/, /\{[a-z_]+\}/]) {
    assert.doesNotMatch(all, wrong, `found ${wrong} in:\n${all}`);
  }
  // What is said and what is written are told apart, and the facts still to fill are marked.
  assert.ok((await page.locator(".steps .wording.say").count()) >= 4);
  assert.ok((await page.locator(".steps .wording.write").count()) >= 3);
  assert.ok((await page.locator(".steps mark.blank", { hasText: "[time]" }).count()) >= 1);
  await page.evaluate(() => window.scrollTo(0, document.getElementById("cust-h").getBoundingClientRect().top + window.scrollY - 8));
  await shot(page, "words-case", false);

  // Flowers within her authority, then the florist's order sheet.
  await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
  await page.getByLabel(/^Value/).fill("60");
  await page.getByRole("button", { name: "Give gesture" }).click();
  const sheet = page.getByRole("link", { name: "Order sheet" });
  await sheet.first().waitFor();
  await sheet.first().click();
  await page.getByRole("heading", { name: /Flowers order — Harbour Dental/ }).waitFor();
  const table = await page.locator("table").innerText();
  assert.match(table, /Deliver to\s+Priyanka Natarajan/);
  assert.match(table, /From Theo Tran and all of us at Harbour Dental\./);
  assert.doesNotMatch(table, /Dr Priyanka|Dr Fiona|From Priyanka|From Fiona/);
  await shot(page, "words-florist");
  await page.goto(path);
  await ctx.close();
});

test("words: a restaurant case with no name reads Table 12 on the case and in My work; the apology made at the table is already done", async () => {
  const { page, ctx } = await session(390, 844);
  await signIn(page, "sam@thegrill.example");
  await page.goto("/");
  await page.getByLabel("Find the defect by words").fill("steak");
  await page.locator("#search-results label.pick", { hasText: "Meal not as ordered" }).first().click();
  const name = page.getByLabel(/^Guest's name/);
  assert.match(await page.locator("label[for=customer_name]").innerText(), /optional/);
  await name.fill("");
  await page.getByLabel("Table", { exact: true }).fill("12");
  await page.getByLabel("Party size", { exact: true }).fill("4");
  // He already apologised at the table: the first step is ticked as done when logging.
  const done = page.locator("#done-steps input[name='done.1']");
  await done.waitFor();
  await done.check();
  await page.getByLabel("What happened (a sentence)").fill("Steak underdone, sent back.");
  await page.getByRole("button", { name: /Log it/ }).click();
  await page.waitForURL(/\/cases\/C-\d+/);
  const heading = page.locator("#case-customer");
  assert.equal(await heading.innerText(), "Table 12");
  assert.ok(await inViewport(heading), "the name is where the eye is");
  await page.getByRole("heading", { name: "Guest", exact: true }).waitFor();
  const all = (await page.locator(".steps .wording").allInnerTexts()).join("\n");
  assert.doesNotMatch(all, /Hi ,|Hello ,|\{[a-z_]+\}|Table\?/, all);
  assert.match(await page.locator(".steps > li").first().innerText(), /done by Sam Okafor/);
  await shot(page, "words-table-12", false);
  const reference = new URL(page.url()).pathname.split("/").pop();
  await page.goto("/my");
  await page.locator("article", { hasText: reference }).getByText(/^Table 12 ·/).waitFor();
  await ctx.close();
});

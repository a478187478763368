// The gesture ledger in the browser: an approval is charged to the manager who gives it, not to the
// receptionist who asked; a gesture step is done by recording its gesture, never by a bare tick.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, shot, inViewport, logCase } from "./support.js";

test("ledger: the receptionist's $300 flowers are approved by the manager, then her $6 coffee needs nobody", async () => {
  const desk = await session();
  const { page } = desk;
  await signIn(page, "fiona");
  const first = await logCase(page, {
    search: "not in book", pick: "not in the book", customer: "Grace Lindqvist",
    what: "Card says 9:15, not in the book.",
  });
  await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
  await page.getByLabel(/^Value/).fill("300");
  await page.getByRole("button", { name: "Give gesture" }).click();
  // The message names the limit that sent it to a manager, and what was left of it.
  await page.getByText(/Sent to a manager for approval: your per-case limit is AUD 100\.00/).first().waitFor();
  const reference = first.split("/").pop();

  const mgr = await session();
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto("/approvals");
  const item = mgr.page.locator("article", { hasText: reference });
  await item.getByRole("button", { name: "Approve" }).click();
  await mgr.page.getByText(/^Approved — /).waitFor();

  await page.goto(first);
  const flowers = page.locator("#g-h").locator("..").locator(".row", { hasText: "300.00 AUD" });
  await flowers.getByText("Approved", { exact: true }).waitFor();

  // A coffee for another patient, on another case: within her own authority, approved at once.
  const second = await logCase(page, {
    search: "kept waiting", pick: "kept waiting well past", customer: "Omar Haddad", what: "Waited 40 minutes past the time.",
  });
  const before = await page.locator("#g-h").locator("..").locator("p strong").first().innerText();
  assert.match(before, /You can give up to 100\.00 AUD on this case/, "the approved flowers use none of her room");
  await page.getByLabel("Gesture", { exact: true }).selectOption("coffee");
  await page.getByLabel(/^Value/).fill("6");
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.getByText("Gesture approved — it's within your authority.").waitFor();
  const coffee = page.locator("#g-h").locator("..").locator(".row", { hasText: "6.00 AUD" });
  await coffee.getByText("Approved", { exact: true }).waitFor();
  assert.equal(await coffee.getByText("Waiting for approval").count(), 0);
  await shot(page, "ledger-coffee-within-authority");
  assert.ok(second !== first);
  await desk.ctx.close();
  await mgr.ctx.close();
});

test("ledger: a gesture step is completed by recording its gesture, and a waived fee needs its real value", async () => {
  const { ctx, page } = await session(1024, 700);
  await signIn(page, "fiona");
  const casePath = await logCase(page, {
    search: "pain", pick: "Pain during treatment", customer: "Ines Moreau", what: "Said it hurt and nobody stopped.",
  });
  const step = page.locator(".steps li", { hasText: /no charge|fee|waiv/i }).filter({ has: page.locator("form.step-gesture") }).first();
  const id = await step.getAttribute("id");
  // No bare tick on a gesture step: it offers the gesture, with the fee waiver's value left for the real figure.
  assert.equal(await step.getByRole("button", { name: "Done" }).count(), 0);
  const value = step.getByLabel(/^Its value/);
  assert.equal(await value.inputValue(), "");
  await step.getByRole("button", { name: "Record gesture" }).click();
  // Refused, with the message beside the step, where the eye is.
  const error = page.locator(`#${id} .field-error`);
  await error.waitFor();
  assert.match(await error.innerText(), /amount|real value/i);
  assert.ok(await inViewport(error), "the message is in the viewport");
  await shot(page, "ledger-gesture-step-refused", false);

  // A stale tick (the form of an old page) is refused with the reason, beside the step too.
  await page.evaluate(([path, stepId]) => {
    const f = document.createElement("form");
    f.method = "post";
    f.action = `${path}/steps/${stepId.replace("step-", "")}/complete#${stepId}`;
    const csrf = document.querySelector("input[name=_csrf]").cloneNode();
    f.append(csrf);
    document.body.append(f);
    f.submit();
  }, [casePath, id]);
  await page.locator(`#${id} .field-error`, { hasText: /Record the gesture for this step/ }).waitFor();
  assert.ok(await inViewport(page.locator(`#${id} .field-error`)));

  // The real fee, recorded: the step is done by her, linked to the gesture.
  const again = page.locator(`#${id}`);
  await again.getByLabel(/^Its value/).fill("85");
  await again.getByRole("button", { name: "Record gesture" }).click();
  await page.locator(`#${id}.done`).waitFor();
  assert.match(await page.locator(`#${id}`).innerText(), /done by Fiona/);
  assert.ok(await inViewport(page.locator(`#${id} > .row`).first()), "the page lands on the step it acted on");
  assert.ok(await inViewport(page.locator(`#${id}`).getByText(/done by Fiona/)), "and its 'done' line is in view");
  await page.locator("#g-h").locator("..").locator(".row", { hasText: "85.00 AUD" }).waitFor();
  await shot(page, "ledger-gesture-step-done", false);
  await ctx.close();
});

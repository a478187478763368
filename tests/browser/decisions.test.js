// Decisions reach the requester (issue 19), in a real headless Chromium against `olive demo` data:
// the receptionist asks for a gesture above her authority, the manager declines it with a reason,
// and the receptionist's screen shows who declined, when and why, without her reloading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SHOTS, session, signIn, inViewport } from "./support.js";

test("a declined request shows its reason to the requester", async () => {
  const reason = "A handwritten card suits this better";
  // The receptionist logs a case and asks for $300 flowers, above her authority.
  const desk = await session();
  const { page } = desk;
  await signIn(page, "fiona");
  await page.getByLabel("Find the defect by words").fill("not in book");
  await page.locator("#search-results label.pick", { hasText: "not in the book" }).click();
  await page.getByLabel(/^(Patient|Guest|Customer)'s name/).fill("Dana Reyes");
  await page.getByLabel("What happened (a sentence)").fill("Booked for 9:00, not in the book.");
  await page.getByRole("button", { name: /Log it/ }).click();
  await page.waitForURL(/\/cases\/C-\d+/);
  const caseUrl = new URL(page.url()).pathname;
  const reference = caseUrl.split("/").pop();
  await page.getByLabel("Gesture", { exact: true }).selectOption("flowers");
  await page.getByLabel(/^Value/).fill("300");
  await page.getByRole("button", { name: "Give gesture" }).click();
  await page.getByRole("status").getByText("Sent to a manager for approval").waitFor();

  // The manager declines it on the case page: first without a reason (refused beside the field),
  // then with one.
  const mgr = await session();
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto(caseUrl);
  const gestures = mgr.page.locator("#g-h").locator("..");
  const row = () => gestures.locator(".row", { hasText: "300.00 AUD" });
  await row().getByRole("button", { name: "Decline" }).click();
  const error = row().locator(".field-error");
  await error.waitFor();
  assert.match(await error.innerText(), /say why you decline/i);
  await row().getByLabel(/Reason to decline/).fill(reason);
  await row().getByRole("button", { name: "Decline" }).click();
  await mgr.page.getByText("Gesture declined.").waitFor();
  assert.match(await row().innerText(), new RegExp(`declined by Maria Manning .*${reason}`));

  // The receptionist, still on her case page, sees the decision and the reason arrive at the top.
  const alert = page.locator("#live-alert .decision", { hasText: reference });
  await alert.waitFor({ timeout: 20000 });
  const text = await alert.innerText();
  assert.match(text, /Maria Manning declined/);
  assert.match(text, new RegExp(reason));
  assert.match(text, /Flowers delivered to the patient's home \(300\.00 AUD\)/);
  // Where she is (the gestures, since the request was made in place), the gesture itself shows it too.
  const here = page.locator("#case-gestures .row", { hasText: "300.00 AUD" }).getByText(reason);
  await here.waitFor({ timeout: 5000 });
  assert.ok(await inViewport(alert) || await inViewport(here), "the decision is visible without scrolling");
  await page.screenshot({ path: `${SHOTS}/decision-declined-alert.png` });

  // Her case page names the decider, the time and the reason beside the gesture.
  await page.goto(caseUrl);
  const mine = page.locator("#g-h").locator("..").locator(".row", { hasText: "300.00 AUD" });
  assert.match(await mine.innerText(), new RegExp(`asked by Fiona Frost .*declined by Maria Manning .*${reason}`));

  // My work lists it until she acknowledges it; "Got it" removes it in place.
  await page.goto("/my");
  const entry = page.locator(".card.decisions .decision", { hasText: reference });
  await entry.waitFor();
  assert.match(await entry.innerText(), new RegExp(reason));
  await page.screenshot({ path: `${SHOTS}/decision-my-work.png` });
  await entry.getByRole("button", { name: "Got it" }).click();
  await entry.waitFor({ state: "detached" });
  assert.equal(new URL(page.url()).pathname, "/my", "no reload");
  await page.locator("#live-alert .decision", { hasText: reference }).waitFor({ state: "detached", timeout: 3000 });

  await desk.ctx.close();
  await mgr.ctx.close();
});

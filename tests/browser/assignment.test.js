// Steps reach their people (issue 18), in a real headless Chromium against `olive demo` data: the
// receptionist logs a case naming the dentist, and the dentist completes "the dentist rings the
// patient" from his own My work, in place, with no hand-off on the case; at The Grill a host logs a
// case with no server named, and a server takes the step from the queue on a phone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, signIn, inViewport, shot, logCase } from "./support.js";

test("the dentist completes his step from My work, and the case is not handed off", async () => {
  const desk = await session();
  await signIn(desk.page, "fiona");
  const casePath = await logCase(desk.page, {
    search: "anaesthetic",
    pick: "Pain during treatment",
    customer: "Ava Nguyen",
    fields: { Dentist: "Theo Tran" },
    what: "The numbing wore off during the filling and she was in pain.",
  });
  const reference = casePath.split("/").pop();
  // On the case page the dentist's step says whose it is.
  const call = desk.page.locator("ol.steps li", { hasText: "Dentist rings the patient" });
  assert.match(await call.locator(".step-who").innerText(), /Theo Tran/);
  // The receptionist is not offered "Done" on the dentist's step; she is on her own.
  assert.equal(await call.getByRole("button", { name: "Done" }).count(), 0);
  const fee = desk.page.locator("ol.steps li", { hasText: "waive today's fee" });
  assert.match(await fee.locator(".step-who").innerText(), /Yours/);
  await call.scrollIntoViewIfNeeded();
  await shot(desk.page, "assignment-case-steps", false);

  const dentist = await session();
  const { page } = dentist;
  await signIn(page, "theo@harbourdental.example");
  await page.goto("/my");
  const row = page.locator("li.my-step", { hasText: reference }).filter({ hasText: "Dentist rings the patient" });
  await row.waitFor();
  assert.match(await row.innerText(), /Ava Nguyen/);
  assert.match(await row.innerText(), /Yours/);
  await row.scrollIntoViewIfNeeded();
  await shot(page, "assignment-dentist-my-work", false);
  const url = page.url();
  const y = await page.evaluate(() => window.scrollY);
  await row.getByRole("button", { name: "Done" }).click();
  const said = page.locator(`#${await row.getAttribute("id")} [role=status]`);
  await said.waitFor();
  assert.match(await said.innerText(), /Done/);
  assert.ok(await inViewport(said), "the answer is where the eye is");
  assert.equal(page.url(), url, "no navigation");
  assert.ok(Math.abs((await page.evaluate(() => window.scrollY)) - y) < 5, "the page did not jump");
  await shot(page, "assignment-dentist-done", false);

  // The receptionist's screen changes: the step is done by the dentist, and the case is still hers.
  await desk.page.goto(casePath);
  const doneStep = desk.page.locator("ol.steps li.done", { hasText: "Dentist rings the patient" });
  assert.match(await doneStep.innerText(), /done by Theo Tran/);
  const body = await desk.page.locator("main").innerText();
  assert.doesNotMatch(body, /hand(ed)? ?off to|handoff proposed/i);
  assert.match(body, /Fiona Frost/);

  // The practice manager gives the dentist's note to the queue and back to Theo from the case page.
  const mgr = await session();
  await signIn(mgr.page, "maria@harbourdental.example");
  await mgr.page.goto(casePath);
  const note = mgr.page.locator("ol.steps li", { hasText: "Record what worked" });
  await note.getByLabel(/^Who does step/).selectOption({ label: "The dentist queue" });
  await note.getByRole("button", { name: "Assign" }).click();
  await mgr.page.getByText("The step is back in the queue.").waitFor();
  const again = mgr.page.locator("ol.steps li", { hasText: "Record what worked" });
  assert.match(await again.locator(".step-who").innerText(), /Waiting for a dentist to take it/);
  await again.getByLabel(/^Who does step/).selectOption({ label: "Theo Tran" });
  await again.getByRole("button", { name: "Assign" }).click();
  await mgr.page.getByText("The step is Theo Tran's.").waitFor();
  await shot(mgr.page, "assignment-manager-assigns", false);
  await mgr.ctx.close();
  await desk.ctx.close();
  await dentist.ctx.close();
});

test("a server takes an unclaimed step from the queue on a phone", async () => {
  const host = await session();
  await signIn(host.page, "hana");
  const casePath = await logCase(host.page, {
    search: "wrong dish",
    pick: "Meal not as ordered",
    customer: "Noah Park",
    fields: { Table: "7" },
    what: "Table 7 got the fish instead of the steak.",
  });
  const reference = casePath.split("/").pop();

  const server = await session(390, 844);
  const { page } = server;
  await signIn(page, "sam@thegrill.example");
  await page.goto("/my");
  const row = page.locator("li.my-step", { hasText: reference }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /Waiting for a server to take it/);
  const title = await row.locator("strong").nth(1).innerText();
  await row.scrollIntoViewIfNeeded();
  const id = await row.getAttribute("id");
  const url = page.url();
  await row.getByRole("button", { name: "Take it" }).click();
  const said = page.locator(`#${id} [role=status]`);
  await said.waitFor();
  assert.match(await said.innerText(), /Yours now/);
  assert.ok(await inViewport(said), "the answer is where the eye is, on the phone");
  assert.equal(page.url(), url, "no navigation");
  assert.equal(await page.locator(`#${id}`).getByRole("button", { name: "Done" }).count(), 1);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(wide, "nothing wider than the phone");
  await shot(page, "assignment-server-takes-it", false);

  // The host's case page now says the step is Sam's.
  await host.page.goto(casePath);
  const taken = host.page.locator("ol.steps li", { hasText: title });
  assert.match(await taken.locator(".step-who").innerText(), /Sam Okafor/);
  await host.ctx.close();
  await server.ctx.close();
});

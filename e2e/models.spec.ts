/**
 * Models & providers in the browser: an owner adds an OpenAI-compatible provider that points at a
 * fake server started here, tests the connection, imports two of its models with prices, changes a
 * price (a new pricing version), puts an agent on one of them in a room, and the fake server's
 * answer appears in the conversation. Analysts see the page read-only; users are told it is for
 * administrators and see no link to it.
 */
import { fakeOpenAIForThisFile } from "./fake-provider.ts";
import { expect, test } from "./fixtures.ts";
import { roomWithAgent } from "./rooms.ts";

const API_KEY = "sk-e2e-provider-key-9z8y";
const ANSWER = "Hello from the fake lab, over the real gateway.";

const fake = fakeOpenAIForThisFile(() => ANSWER, {
  models: [
    { id: "lab/alpha-1", object: "model", context_length: 64_000 },
    { id: "lab/beta-2", object: "model", context_length: 32_000 },
  ],
});

test("an owner adds a provider, imports and prices two models, and an agent on one answers in a room", async ({ page, signedIn, sql }) => {
  test.setTimeout(120_000);
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  try {
    await page.goto("/");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Models & providers" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Models & providers" })).toBeVisible();

    // Add the provider: the custom preset, the fake server's URL and a key; test it first.
    await page.getByRole("button", { name: "Add provider" }).click();
    await expect(page.getByRole("heading", { name: "Add a provider" })).toBeFocused();
    await page.getByLabel("Preset").selectOption("custom");
    await expect(page.getByLabel("Base URL")).toHaveValue("");
    await page.getByLabel("Name").fill("Fake lab");
    await page.getByLabel("Base URL").fill(fake().baseURL);
    await page.getByLabel("API key").fill(API_KEY);
    await page.getByRole("button", { name: "Test connection" }).click();
    const result = page.getByTestId("test-result");
    await expect(result).toContainText("found 2 models");
    await expect(result.getByRole("list", { name: "Models found" }).getByRole("listitem")).toHaveText(["lab/alpha-1", "lab/beta-2"]);
    expect(fake().modelListRequests.at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);
    await page.getByRole("button", { name: "Save provider" }).click();

    // Saved: the key shows as its last 4 only, and the import panel opens.
    const row = page.getByTestId("provider-fake-lab");
    await expect(row).toContainText("•••• 9z8y");
    await expect(row).not.toContainText(API_KEY);
    await expect(page.getByRole("heading", { name: "Import models from Fake lab" })).toBeVisible();

    // Import both, with prices (nothing is published by this server).
    for (const [id, alias, input, output] of [
      ["lab/alpha-1", "lab-alpha-1", "1", "3"],
      ["lab/beta-2", "lab-beta-2", "0.5", "1.5"],
    ] as const) {
      await page.getByRole("checkbox", { name: new RegExp(id) }).check();
      const item = page.getByRole("listitem").filter({ has: page.getByText(id, { exact: true }) });
      await expect(item.getByLabel("Alias")).toHaveValue(alias);
      await expect(item.getByLabel("Context window")).toHaveValue(id === "lab/alpha-1" ? "64000" : "32000");
      await expect(item.getByLabel("Multiplier")).toHaveValue("1");
      await item.getByLabel("Input price (USD per million tokens)").fill(input);
      await item.getByLabel("Output price (USD per million tokens)").fill(output);
      await item.getByLabel("Enable now (needs a price)").check();
    }
    await page.getByRole("button", { name: "Import 2 models" }).click();
    await expect(page.getByText("Imported 2 models: lab-alpha-1, lab-beta-2.")).toBeVisible();
    await expect(page.getByText("imported as lab-alpha-1")).toBeVisible();
    await page.getByRole("button", { name: "Close" }).click();
    await expect(page.getByRole("button", { name: "Import models from Fake lab" })).toBeFocused();

    // The models table: grouped under the provider, priced per million tokens, enabled.
    const models = page.getByRole("region", { name: "Fake lab" });
    const alpha = models.getByTestId("model-row-lab-alpha-1");
    await expect(alpha).toContainText("64K");
    await expect(alpha).toContainText("$1.00");
    await expect(alpha).toContainText("$3.00");
    await expect(alpha.getByRole("checkbox", { name: "Enable lab-alpha-1" })).toBeChecked();

    // A price change is a new pricing version.
    const versionText = await page.getByTestId("pricing-version").textContent();
    const before = Number(/version (\d+)/.exec(versionText ?? "")?.[1]);
    await alpha.getByRole("button", { name: "Edit prices of lab-alpha-1" }).click();
    const priceForm = page.getByRole("form", { name: "Prices of lab-alpha-1" });
    await priceForm.getByLabel("Output price (USD per million tokens)").fill("4");
    await priceForm.getByRole("button", { name: "Save prices" }).click();
    await expect(page.getByText(`Prices of lab-alpha-1 saved: pricing version ${before + 1} is active.`)).toBeVisible();
    await expect(alpha).toContainText("$4.00");
    await expect(page.getByTestId("pricing-version")).toContainText(`pricing version ${before + 1} (active)`);

    // The manager model on Automatic names the model it uses.
    await expect(page.getByTestId("choice-manager-note")).toContainText(/lab-(alpha-1|beta-2)/);

    // An agent on lab-alpha-1: the picker groups models by provider, with context and price.
    await page.goto("/agents");
    const picker = page.getByLabel("Model").first();
    await expect(picker.locator('optgroup[label="Fake lab"] option')).toHaveText([/^lab\/alpha-1 · 64K context · \$1\.00 in · \$4\.00 out per M tokens$/, /^lab\/beta-2 · 32K context/]);
    await expect(picker.locator("option[value=local]")).toContainText("offline");
    await page.getByLabel("Name").first().fill("Lab agent");
    await page.getByLabel("@key").first().fill("lab-agent");
    await picker.selectOption("lab-alpha-1");
    await expect(page.getByTestId("model-hint").first()).toContainText("from Fake lab");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page.getByRole("main").getByText("@lab-agent · lab-alpha-1")).toBeVisible();

    // A roundtable room with it, and a message.
    await roomWithAgent(page, { name: "Lab room", mode: "roundtable" }, { name: "Lab agent", key: "lab-agent" });
    await page.getByRole("button", { name: "New session" }).click();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Say hello, lab.");
    await expect(page.getByRole("button", { name: "Send" })).toBeEnabled();
    await box.press("Enter");

    const turn = page.getByTestId("turn").last();
    const reply = turn.getByRole("article", { name: /^Lab agent @/ });
    await expect(reply).toContainText(ANSWER);
    await expect(reply).toContainText("lab-alpha-1");
    await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
    const call = fake().requests.at(-1)!;
    expect(call.body.model).toBe("lab/alpha-1");
    expect(call.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call.conversation.at(-1)?.content).toContain("Say hello, lab.");

    // The ledger row names the provider and the new pricing version.
    const [ledger] = await sql<{ provider: string; model_alias: string; pricing_version: number }>(
      // The step's call: the session's automatic title is a separate call, on the summary model.
      "SELECT provider, model_alias, pricing_version FROM llm_call_events WHERE user_id = $1 AND call_purpose <> 'title' ORDER BY created_at DESC LIMIT 1",
      [signedIn.id],
    );
    expect(ledger).toEqual({ provider: "fake-lab", model_alias: "lab-alpha-1", pricing_version: before + 1 });

    // The provider's health, from that real call, on the console; then the owner disables it.
    await page.goto("/admin/models");
    await expect(row).toContainText(/Last success just now/);
    await row.getByRole("button", { name: "Disable Fake lab" }).click();
    await expect(page.getByText("Fake lab disabled.")).toBeVisible();
    await expect(page.getByTestId("model-row-lab-alpha-1")).toContainText("Not usable: its provider Fake lab is disabled");
  } finally {
    // Later specs expect only the offline model to be usable (templates pick the best available one).
    await sql("UPDATE llm_providers SET enabled = false WHERE key = 'fake-lab'");
  }
});

test("an analyst sees the console read-only; a user is told it is for administrators", async ({ page, signedIn, sql }) => {
  await sql("UPDATE users SET role = 'analyst' WHERE id = $1", [signedIn.id]);
  await page.goto("/admin/models");
  await expect(page.getByRole("heading", { level: 1, name: "Models & providers" })).toBeVisible();
  await expect(page.getByTestId("read-only")).toBeVisible();
  await expect(page.getByRole("region", { name: "Providers" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add provider" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Edit prices/ })).toHaveCount(0);
  await expect(page.getByLabel("Manager model")).toBeDisabled();
  await expect(page.getByRole("button", { name: /^(Import models|Edit|Disable|Remove|Test connection)/ })).toHaveCount(0);
  const checkboxes = page.getByRole("checkbox");
  expect(await checkboxes.count()).toBeGreaterThan(0);
  expect(await checkboxes.evaluateAll((boxes) => boxes.every((b) => (b as HTMLInputElement).disabled))).toBe(true);

  await sql("UPDATE users SET role = 'user' WHERE id = $1", [signedIn.id]);
  await page.goto("/admin/models");
  await expect(page.getByText("This page is for administrators.")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
});

test("the console fits a phone screen", async ({ page, signedIn, sql }) => {
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto("/admin/models");
  await expect(page.getByRole("heading", { name: "Manager and summary models" })).toBeVisible();
  await page.getByRole("button", { name: "Add provider" }).click();
  await expect(page.getByLabel("Base URL")).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
});

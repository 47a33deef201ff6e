import { expect, type Page, test } from "@playwright/test";
import { ADMIN, logIn, PASSWORD } from "./staff";
import { hydrated, markDocument, stillSameDocument, watchConsole } from "./support";

/** Tags: the post form's tag field with suggestions, the tag archive and the tag admin. */

/**
 * Fills the add-post form's required fields and publishes. With JavaScript it waits for
 * hydration first (`data-hydrated`, set once the admin's lazily loaded code has hydrated too):
 * hydrating sets the inputs from the form's state, so text typed before it is lost.
 */
async function newPost(page: Page, title: string, javaScript = true) {
  await page.goto("/admin/posts/add/");
  if (javaScript) await hydrated(page);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Body (Markdown)").fill(`About ${title}.`);
  await page.getByLabel("Status").selectOption("PUBLISHED");
}

test("the tag field suggests existing tags and makes new ones; archives list their posts", async ({ page }) => {
  const problems = watchConsole(page);
  const id = `${Date.now()}`;
  const tag = `Ferris ${id}`;
  const slug = `ferris-${id}`;
  await logIn(page, ADMIN, PASSWORD);

  // A first post: no tag matches, so the typed name is offered as a new tag.
  await newPost(page, `Crab notes ${id}`);
  const field = page.getByRole("combobox", { name: "Tags" });
  await field.fill(tag);
  const choices = page.locator("#tag-choices");
  await expect(choices.getByRole("option")).toHaveText([`New tag: ${tag}`]);
  await field.press("ArrowDown");
  await field.press("Enter");
  await expect(field).toHaveValue(`${tag}, `);
  await page.getByRole("button", { name: "Save and continue editing" }).click();
  await expect(page.getByText("The post was saved.")).toBeVisible();
  await expect(field).toHaveValue(tag);

  // A second post: typing part of the name in another case suggests the tag just made.
  await newPost(page, `More crab notes ${id}`);
  await field.fill(`ferris ${id.slice(0, 6)}`);
  await expect(choices.getByRole("option", { name: tag, exact: true })).toBeVisible();
  await choices.getByRole("option", { name: tag, exact: true }).click();
  await expect(field).toHaveValue(`${tag}, `);
  await page.getByRole("button", { name: "Save and continue editing" }).click();
  await expect(page.getByText("The post was saved.")).toBeVisible();

  // The tag admin counts both posts.
  await page.goto("/admin/tags/");
  await hydrated(page);
  const row = page.locator("tbody tr", { hasText: tag });
  await expect(row.getByRole("cell").last()).toHaveText("2");

  // The archive lists both; from a post, its tag link leads back without a page load.
  await page.goto(`/tag/${slug}/`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: `Tagged “${tag}”` })).toBeVisible();
  await expect(page.locator(".post-item")).toHaveCount(2);
  await expect(page.locator(`link[rel="alternate"][href$="/tag/${slug}/feed.xml"]`)).toHaveCount(1);
  await markDocument(page);
  await page.locator(".post-item-title a", { hasText: `More crab notes ${id}` }).click();
  await expect(page.locator("article.post h1")).toHaveText(`More crab notes ${id}`);
  await page.locator("article.post").getByRole("link", { name: tag }).click();
  await expect(page).toHaveURL(`/tag/${slug}/`);
  await expect(page.locator(".post-item")).toHaveCount(2);
  expect(await stillSameDocument(page)).toBe(true);
  expect(problems).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the post form saves typed tags and the archive is a complete page", async ({ page }) => {
    const id = `${Date.now()}`;
    const slug = `plain-${id}`;
    await page.goto("/accounts/login/");
    await page.getByLabel("Email address").fill(ADMIN);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

    await newPost(page, `Plain form ${id}`, false);
    await page.getByLabel("Tags").fill(`Plain ${id},  PLAIN ${id} , Second ${id}`);
    await page.getByRole("button", { name: "Save and continue editing" }).click();
    await expect(page.getByText("The post was saved.")).toBeVisible();
    await expect(page.getByLabel("Tags")).toHaveValue(`Plain ${id}, Second ${id}`);

    const response = await page.goto(`/tag/${slug}/`);
    expect(response?.status()).toBe(200);
    await expect(page.locator("html[data-hydrated]")).toHaveCount(0);
    await expect(page.getByRole("heading", { name: `Tagged “Plain ${id}”` })).toBeVisible();
    await expect(page.locator(".post-item")).toHaveCount(1);
    await expect(page.locator(".post-item").getByRole("link", { name: `Second ${id}` })).toHaveAttribute(
      "href",
      `/tag/second-${id}/`,
    );
    expect((await page.goto("/tag/no-such-tag/"))?.status()).toBe(404);
  });
});

import { expect, test } from "@playwright/test";
import { logIn, PASSWORD, staffAccount } from "./staff";
import { hydrated, markDocument, stillSameDocument, watchConsole } from "./support";

test("an editor filters, drills down, bulk-publishes, adds a post and approves a comment", async ({ page }) => {
  const problems = watchConsole(page);
  const editor = await staffAccount(page, "Editor");
  await logIn(page, editor.email, PASSWORD);

  // A comment waiting for moderation, written on a post by the editor as a reader would.
  await page.goto("/");
  await hydrated(page);
  await page.locator(".post-item-title a").first().click();
  await page.getByLabel("Your comment").fill("Moderate me, please.");
  await page.getByRole("button", { name: "Post comment" }).click();
  await expect(page.getByText("Moderate me, please.")).toBeVisible();

  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Site administration" })).toBeVisible();
  await markDocument(page);
  await page.locator(".admin-nav").getByRole("link", { name: "Posts" }).click();
  await expect(page.getByRole("heading", { name: "Posts", exact: true })).toBeVisible();
  await expect(page.locator(".result-count")).toHaveText(/^\d+ posts$/);

  // Date drill-down: a year, then a month of it; counts shrink, the URL keeps the state.
  await page.locator(".date-drilldown a.date-step").first().click();
  await expect(page).toHaveURL(/\?year=\d{4}$/);
  await expect(page.locator(".date-drilldown a.date-back").first()).toHaveText("‹ All dates");
  await page.locator(".date-drilldown a.date-step").first().click();
  await expect(page).toHaveURL(/\?year=\d{4}&month=\d+$/);
  await expect(page.locator(".result-count")).toContainText("matching");

  // Filter by status from the side panel; sort by title.
  await page.locator(".filters").getByRole("link", { name: "Published" }).click();
  await expect(page).toHaveURL(/status=PUBLISHED/);
  await page.getByRole("link", { name: "Title" }).click();
  await expect(page).toHaveURL(/o=title/);
  await expect(page.getByRole("columnheader", { name: /Title/ })).toHaveAttribute("aria-sort", "ascending");

  // Bulk: back to draft, then publish everything matching the Draft filter.
  const rows = page.locator("tbody tr");
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  await page.getByLabel("Select all rows on this page").check();
  await page.locator("#admin-action").selectOption("draft");
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page.locator(".admin-message")).toHaveText(`${count} post${count === 1 ? "" : "s"} moved back to draft.`);
  await page.locator(".filters").getByRole("link", { name: "Draft" }).click();
  await expect(page).toHaveURL(/status=DRAFT/);
  await expect(rows).toHaveCount(count);
  await page.getByLabel("Select all rows on this page").check();
  await page.locator("#admin-action").selectOption("publish");
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page.locator(".admin-message")).toHaveText(`${count} post${count === 1 ? "" : "s"} published.`);
  await expect(page.getByText("Nothing matches.")).toBeVisible();

  // A new post: the slug follows the title until it is edited.
  await page.getByRole("link", { name: "Add post" }).click();
  await expect(page.getByRole("heading", { name: "Add post" })).toBeVisible();
  const title = `Admin tour ${Date.now()}`;
  await page.getByLabel("Title").fill(title);
  await expect(page.getByLabel("Slug")).toHaveValue(title.toLowerCase().replace(/ /g, "-"));
  await page.getByLabel("Body (Markdown)").fill("Written in the **admin**.");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.locator(".markdown-preview strong")).toHaveText("admin");
  await page.getByRole("button", { name: "Save and continue editing" }).click();
  await expect(page).toHaveURL(/\/admin\/posts\/\d+\/\?saved=\d+$/);
  await expect(page.getByText("The post was saved.")).toBeVisible();
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("cell", { name: "Added" })).toBeVisible();

  // Approve the waiting comment.
  await page.locator(".admin-nav").getByRole("link", { name: "Comments" }).click();
  await page.locator(".filters").getByRole("link", { name: "No" }).click();
  await expect(page).toHaveURL(/is_approved=0/);
  const comment = page.locator("tbody tr", { hasText: "Moderate me, please." });
  await comment.getByRole("checkbox").check();
  await page.locator("#admin-action").selectOption("approve");
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page.locator(".admin-message")).toHaveText("1 comment approved.");
  await expect(page.locator("tbody tr", { hasText: "Moderate me, please." })).toHaveCount(0);

  // Everything above happened in one document: no full page load.
  expect(await stillSameDocument(page)).toBe(true);
  await page.locator(".admin-nav").getByRole("link", { name: "Site administration" }).click();
  await expect(page.locator(".recent-actions")).toContainText("Moderate me, please.");
  expect(problems).toEqual([]);
});

test("an author cannot open another author's post", async ({ page }) => {
  const problems = watchConsole(page);
  const author = await staffAccount(page, "Author");
  await logIn(page, author.email, PASSWORD);
  await page.goto("/admin/posts/");
  await hydrated(page);
  await expect(page.locator(".result-count")).toHaveText("0 posts");
  // Only posts: the other models are not offered.
  await expect(page.locator(".admin-nav").getByRole("link", { name: "Users" })).toHaveCount(0);
  const response = await page.goto("/admin/posts/1/");
  expect(response?.status()).toBe(403);
  await expect(page.getByText("You do not have permission to do this.")).toBeVisible();
  expect(problems.filter((p) => !p.includes("403"))).toEqual([]);
});

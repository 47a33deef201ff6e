import { expect, test } from "@playwright/test";
import { hydrated, markDocument, stillSameDocument, watchConsole } from "./support";

test.describe("with JavaScript", () => {
  test("home hydrates without errors and navigates client-side to a post and back", async ({ page }) => {
    const problems = watchConsole(page);
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await hydrated(page);
    await expect(page.locator(".post-item")).toHaveCount(10);
    await markDocument(page);

    const firstLink = page.locator(".post-item-title a").first();
    const title = (await firstLink.textContent())!.trim();
    const href = (await firstLink.getAttribute("href"))!;
    expect(href).toMatch(/^\/\d{4}\/\d{2}\/\d{2}\/[^/]+\/$/);
    await firstLink.click();
    await expect(page).toHaveURL(href);
    await expect(page.locator("article.post h1")).toHaveText(title);
    await expect(page).toHaveTitle(new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    expect(await stillSameDocument(page)).toBe(true);

    await page.goBack();
    await expect(page).toHaveURL("/");
    await expect(page.locator(".post-item")).toHaveCount(10);
    expect(await stillSameDocument(page)).toBe(true);
    await page.goForward();
    await expect(page.locator("article.post h1")).toHaveText(title);
    expect(await stillSameDocument(page)).toBe(true);
    expect(problems).toEqual([]);
  });

  test("a page served from the page cache hydrates with no CSP violation", async ({ page }) => {
    const problems = watchConsole(page);
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    // Kept by the first (anonymous) request; the browser's load is then a hit.
    await page.request.get("/?page=3");
    const response = await page.goto("/?page=3");
    expect(response?.headers()["x-cache"]).toBe("hit");
    expect(response?.headers()["content-security-policy"]).not.toContain("'nonce-");
    await hydrated(page);
    await markDocument(page);
    await page.getByRole("link", { name: "Older posts →" }).click();
    await expect(page).toHaveURL("/?page=4");
    expect(await stillSameDocument(page)).toBe(true);
    expect(problems).toEqual([]);
  });

  test("pagination, category and search navigate without reloading", async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto("/");
    await hydrated(page);
    await markDocument(page);

    await page.getByRole("link", { name: "Older posts →" }).click();
    await expect(page).toHaveURL("/?page=2");
    await expect(page.locator(".page-count")).toHaveText(/Page 2 of \d+/);

    await page.locator(".post-item .byline a").last().click();
    await expect(page).toHaveURL(/\/category\/[^/]+\/$/);
    await expect(page.locator("h1.page-title")).not.toBeEmpty();

    await page.getByLabel("Search posts").first().fill("async closures");
    await page.getByRole("button", { name: "Search" }).first().click();
    await expect(page).toHaveURL(/\/search\?q=async(\+|%20)closures/);
    await expect(page.locator("h1.page-title")).toHaveText("Results for “async closures”");
    // Ranked: the post titled with the words first; the matched words highlighted.
    await expect(page.locator(".post-item-title a").first()).toHaveText("Async Closures MVP: Call for Testing!");
    await expect(page.locator(".snippet mark").first()).toHaveText(/async|closures/i);
    expect(await stillSameDocument(page)).toBe(true);

    // Narrowed to a category with the page's own form, still without a reload.
    await page.locator("#search-category").selectOption({ label: "Inside Rust Blog" });
    await page.locator(".search-page-form button").click();
    await expect(page).toHaveURL(/\/search\?q=async(\+|%20)closures&category=[a-z-]+/);
    await expect(page.locator("#search-category")).toHaveValue(/.+/);
    // The new results replace the old ones once they arrive.
    await expect
      .poll(async () => [...new Set(await page.locator(".post-item .byline a:not([rel])").allTextContents())])
      .toEqual(["Inside Rust Blog"]);
    expect(await stillSameDocument(page)).toBe(true);
    expect(problems).toEqual([]);
  });

  test("a new page starts at the top; Back and Forward restore where the reader was", async ({ page }) => {
    await page.setViewportSize({ width: 800, height: 500 });
    await page.goto("/");
    await hydrated(page);
    await page.evaluate(() => window.scrollTo(0, 900));
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(900);
    const link = page.locator(".post-item-title a").nth(6);
    const href = (await link.getAttribute("href"))!;
    await link.click();
    await expect(page.locator("article.post h1")).toBeVisible();
    // The router puts the new URL in the address bar (and scrolls to the top) once the page's
    // data has arrived; the reader scrolls after that.
    await expect(page).toHaveURL(href);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 300));
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(300);

    await page.goBack();
    await expect(page.locator(".post-item").first()).toBeVisible();
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(900);
    await page.goForward();
    await expect(page.locator("article.post h1")).toBeVisible();
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(300);
  });

  test("unknown addresses show the friendly 404 page with a 404 status", async ({ page }) => {
    const response = await page.goto("/no/such/page/");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await hydrated(page);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("home, post, search and 404 are complete server-rendered pages", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.locator(".post-item")).toHaveCount(10);
    await expect(page.locator("html[data-hydrated]")).toHaveCount(0);

    const firstLink = page.locator(".post-item-title a").first();
    const title = (await firstLink.textContent())!.trim();
    await firstLink.click();
    await expect(page.locator("article.post h1")).toHaveText(title);
    await expect(page.locator(".post-body")).not.toBeEmpty();
    await expect(page.locator('meta[name="description"]')).toHaveCount(1);
    await expect(page.locator('link[rel="canonical"]')).toHaveCount(1);

    await page.getByLabel("Search posts").first().fill("rustup");
    await page.getByRole("button", { name: "Search" }).first().click();
    await expect(page).toHaveURL(/\/search\?q=rustup/);
    await expect(page.locator(".post-item").first()).toBeVisible();
    await expect(page.locator(".snippet mark").first()).toHaveText(/rustup/i);
    // The filters are a plain GET form.
    await page.locator("#search-category").selectOption({ label: "Inside Rust Blog" });
    await page.locator(".search-page-form button").click();
    await expect(page).toHaveURL(/\/search\?q=rustup&category=[a-z-]+/);
    await expect(page.locator(".post-item").first()).toBeVisible();

    const notFound = await page.goto("/2001/01/01/never/");
    expect(notFound?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });

  test("old URLs redirect to the post", async ({ page }) => {
    const response = await page.goto("/releases/1.87.0");
    expect(response?.status()).toBe(200);
    await expect(page).toHaveURL("/2025/05/15/Rust-1.87.0/");
    await expect(page.locator("article.post h1")).toContainText("Rust 1.87.0");
  });
});

import { expect, test } from "@playwright/test";
import { watchConsole } from "./support";

test("the API documentation runs Swagger UI from the site itself", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  const outside: string[] = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(baseURL!) && !request.url().startsWith("data:")) outside.push(request.url());
  });
  await page.goto("/api/docs/");
  await expect(page.locator(".swagger-ui .info .title")).toContainText("Folio API");
  // Every endpoint is listed; open one and run it against the server.
  await expect(page.locator(".opblock-summary-path").filter({ hasText: /^\/api\/posts\/trending\/$/ })).toHaveCount(1);
  await expect(page.locator(".opblock-summary-path").filter({ hasText: "/healthz" })).toHaveCount(1);
  const stats = page.locator(".opblock").filter({ has: page.locator(".opblock-summary-path", { hasText: /^\/api\/stats\/$/ }) });
  await stats.locator(".opblock-summary").click();
  await stats.getByRole("button", { name: "Try it out" }).click();
  await stats.getByRole("button", { name: "Execute" }).click();
  await expect(stats.locator(".responses-table .response .response-col_status").first()).toHaveText("200");
  await expect(stats.locator(".highlight-code").first()).toContainText("published_posts");
  expect(outside, "no request leaves the site").toEqual([]);
  expect(problems.filter((p) => !p.includes("favicon")), problems.join("\n")).toEqual([]);
});

test("a browser gets the API as a readable page", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/api/posts/?search=rust");
  await expect(page.locator("h1")).toHaveText("GET /api/posts/");
  await expect(page.locator("pre")).toContainText('"count"');
  const next = page.locator("pre a").filter({ hasText: "page=2" }).first();
  await next.click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator("pre")).toContainText('"previous"');
  expect(problems, problems.join("\n")).toEqual([]);
});

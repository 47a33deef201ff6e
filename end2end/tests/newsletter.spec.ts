import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { linkFromEmail, mailDir } from "./mail";
import { ADMIN, PASSWORD, logIn } from "./staff";
import { hydrated } from "./support";

/** The newsletter messages (named after their Message-ID) sent to `to`, as raw text. */
function newslettersTo(to: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(mailDir()).filter((f) => f.startsWith("newsletter-") && f.endsWith(".eml"));
  } catch {
    return [];
  }
  return files.map((f) => readFileSync(join(mailDir(), f), "utf8")).filter((text) => text.includes(`To: ${to}`));
}

test("a reader subscribes and confirms, an editor publishes, the newsletter arrives and unsubscribes in one click", async ({
  page,
  request,
}) => {
  const email = `subscriber${Date.now()}${Math.floor(Math.random() * 1000)}@example.org`;
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("link", { name: "New posts by email" }).click();
  await expect(page).toHaveURL("/newsletter/");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByText("Almost done")).toBeVisible();

  const confirm = await linkFromEmail(email, "/newsletter/confirm/");
  await page.goto(confirm);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Your subscription is confirmed")).toBeVisible();

  // An administrator publishes a post from the admin.
  await logIn(page, ADMIN, PASSWORD);
  await page.goto("/admin/posts/add/");
  await hydrated(page);
  const title = `Newsletter news ${Date.now()}`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Body (Markdown)").fill("Fresh **news** for subscribers.");
  await page.getByLabel("Status").selectOption({ label: "Published" });
  await page.getByRole("button", { name: "Save and continue editing" }).click();
  await expect(page.getByText("The post was saved.")).toBeVisible();

  // The newsletter arrives once, with the post and the list headers.
  await expect.poll(() => newslettersTo(email).filter((m) => m.includes(title)).length, { timeout: 20_000 }).toBe(1);
  const message = newslettersTo(email).find((m) => m.includes(title))!;
  expect(message).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  const header = message.match(/List-Unsubscribe: <(https?:\/\/[^>]+)>/);
  expect(header).not.toBeNull();
  const oneClick = new URL(header![1]).pathname;

  // The visible link in the message opens the subscriber's page: which posts, or unsubscribe.
  const manage = oneClick.replace(/one-click$/, "");
  await page.goto(manage);
  await hydrated(page);
  await expect(page.getByText(`${email} gets every new post by email.`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Unsubscribe" })).toBeVisible();

  // A mail provider's one-click POST (RFC 8058): no cookies, no page.
  const response = await request.post(oneClick, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: "List-Unsubscribe=One-Click",
  });
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain("You are unsubscribed.");

  // The page now says so, and offers to subscribe again.
  await page.goto(manage);
  await hydrated(page);
  await expect(page.getByText(`${email} is unsubscribed`)).toBeVisible();
  await expect(page.getByRole("link", { name: "Subscribe again" })).toBeVisible();
});

test("a reader unsubscribes with the button of the manage page", async ({ page }) => {
  const email = `leaver${Date.now()}${Math.floor(Math.random() * 1000)}@example.org`;
  // From a post page's box: the address comes along to the newsletter page.
  await page.goto("/newsletter/?email=" + encodeURIComponent(email));
  await hydrated(page);
  await expect(page.getByLabel("Email address")).toHaveValue(email);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByText("Almost done")).toBeVisible();
  const confirm = await linkFromEmail(email, "/newsletter/confirm/");
  await page.goto(confirm);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Your subscription is confirmed")).toBeVisible();
  // Asking again sends the manage link instead of changing anything.
  await page.goto("/newsletter/");
  await hydrated(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Subscribe" }).click();
  let manage = "";
  await expect
    .poll(
      () => {
        for (const file of readdirSync(mailDir()).filter((f) => f.endsWith(".eml"))) {
          const text = readFileSync(join(mailDir(), file), "utf8");
          const match = text.includes(`To: ${email}`) && text.match(/https?:\/\/[^\s/]+(\/newsletter\/unsubscribe\/\d+\/[A-Za-z0-9_-]+\/)/);
          if (match) {
            manage = match[1];
            return manage;
          }
        }
        return "";
      },
      { timeout: 10_000, message: `an email to ${email} with its manage link` },
    )
    .not.toBe("");
  await page.goto(manage);
  await hydrated(page);
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByText("You are unsubscribed")).toBeVisible();
});

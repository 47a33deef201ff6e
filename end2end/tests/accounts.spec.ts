import { expect, test, type Page } from "@playwright/test";
import { linkFromEmail } from "./mail";
import { markDocument, stillSameDocument, watchConsole } from "./support";

const PASSWORD = "velvet-orbit-lantern-42";

function unique(prefix: string): { email: string; username: string } {
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  return { email: `${prefix}${id}@example.org`, username: `${prefix}${id}` };
}

/** Pages render on the server; with JavaScript the app hydrates before we interact. */
async function ready(page: Page, js: boolean) {
  if (js) await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

async function signUp(page: Page, js: boolean, who: { email: string; username: string }) {
  await page.goto("/accounts/signup/");
  await ready(page, js);
  await page.getByLabel("Email address").fill(who.email);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password again").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("link", { name: who.username })).toBeVisible();
}

async function logOut(page: Page, who: { username: string }) {
  await page.getByRole("button", { name: "Sign out" }).click();
  // The site navigation's link (the comment box, where there is one, has its own).
  await expect(page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("link", { name: who.username })).toHaveCount(0);
}

async function logIn(page: Page, js: boolean, email: string, password: string) {
  await page.goto("/accounts/login/");
  await ready(page, js);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

for (const js of [true, false]) {
  test.describe(js ? "accounts with JavaScript" : "accounts without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("sign up, verify, log in, comment, see it pending, log out", async ({ page }) => {
      const problems = watchConsole(page);
      const who = unique(js ? "js" : "nojs");
      await signUp(page, js, who);

      const verify = await linkFromEmail(who.email, "/accounts/verify/");
      await page.goto(verify);
      await ready(page, js);
      await page.getByRole("button", { name: "Confirm" }).click();
      await expect(page).toHaveURL("/accounts/verified/");
      await expect(page.getByRole("heading", { name: "Email address confirmed" })).toBeVisible();
      await page.goto("/accounts/profile/");
      await expect(page.getByText("confirmed", { exact: true })).toBeVisible();

      await logOut(page, who);
      // A wrong password first: the form says so and nobody is signed in.
      await logIn(page, js, who.email, "not-the-password-1");
      await expect(page.getByText("Please enter a correct email address and password")).toBeVisible();
      if (js) await markDocument(page);
      // Without JavaScript the error comes back on a fresh form: both fields are typed again.
      await page.getByLabel("Email address").fill(who.email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL("/");
      await expect(page.getByRole("link", { name: who.username })).toBeVisible();
      // Hydrated, the form errors and the sign-in happened without loading a new document.
      if (js) expect(await stillSameDocument(page)).toBe(true);

      await page.locator(".post-item-title a").first().click();
      await expect(page.locator("article.post h1")).toBeVisible();
      await ready(page, js);
      const text = `A thoughtful remark <b>${who.username}</b>`;
      await page.getByLabel("Your comment").fill(text);
      await page.getByRole("button", { name: "Post comment" }).click();
      const mine = page.locator(".comment", { hasText: who.username });
      await expect(mine).toHaveCount(1);
      await expect(mine.locator(".comment-body")).toHaveText(text);
      await expect(mine.getByText("Awaiting approval")).toBeVisible();

      if (js) expect(await stillSameDocument(page)).toBe(true);

      await logOut(page, who);
      await page.reload();
      await expect(page.locator(".comment", { hasText: who.username })).toHaveCount(0);
      // Expected refusal: the wrong password answered 400 to the hydrated form.
      expect(problems.filter((p) => !p.includes("HTTP 400 for /_fn/accounts/login"))).toEqual([]);
    });

    test("password reset by email, end to end", async ({ page }) => {
      const who = unique(js ? "jsreset" : "nojsreset");
      await signUp(page, js, who);
      await logOut(page, who);

      await page.goto("/accounts/login/");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await ready(page, js);
      await page.getByLabel("Email address").fill(who.email);
      await page.getByRole("button", { name: "Send the link" }).click();
      await expect(page.getByText("We’ve emailed you instructions")).toBeVisible();

      const reset = await linkFromEmail(who.email, "/accounts/reset/");
      await page.goto(reset);
      await ready(page, js);
      await page.getByLabel("New password", { exact: true }).fill("123");
      await page.getByLabel("New password again").fill("123");
      await page.getByRole("button", { name: "Set password" }).click();
      await expect(page.getByText("This password is too short.")).toBeVisible();

      const fresh = "brand-new-phrase-9";
      await page.getByLabel("New password", { exact: true }).fill(fresh);
      await page.getByLabel("New password again").fill(fresh);
      await page.getByRole("button", { name: "Set password" }).click();
      await expect(page).toHaveURL(/\/accounts\/login\/\?done=reset$/);
      await expect(page.getByText("Your password has been set.")).toBeVisible();

      await logIn(page, js, who.email, fresh);
      await expect(page.getByRole("link", { name: who.username })).toBeVisible();
      // The link worked once.
      await page.goto(reset);
      await expect(page.getByText("This password reset link is invalid")).toBeVisible();
    });
  });
}

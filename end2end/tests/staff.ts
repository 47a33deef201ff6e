import { expect, type Page } from "@playwright/test";
import { linkFromEmail } from "./mail";
import { hydrated } from "./support";

/** Signing in and making staff accounts, for the admin and editor tests. */

export const PASSWORD = "velvet-orbit-lantern-42";
/** The administrator scripts/e2e-server creates. */
export const ADMIN = "admin@example.org";

export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/accounts/login/");
  await hydrated(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function logOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  // The site navigation's link (the comment box, where there is one, has its own).
  await expect(page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "Sign in" })).toBeVisible();
}

/**
 * The administrator creates a staff account with `role` in the admin (a password-reset link is
 * emailed), then the new user chooses a password from that link. Returns the new user.
 */
export async function staffAccount(page: Page, role: "Editor" | "Author") {
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const who = { email: `${role.toLowerCase()}${id}@example.org`, username: `${role.toLowerCase()}${id}` };
  await logIn(page, ADMIN, PASSWORD);
  await page.goto("/admin/users/add/");
  await hydrated(page);
  await page.getByLabel("Email address").fill(who.email);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Role").selectOption({ label: role });
  await expect(page.getByLabel("Email a link to choose a password")).toBeChecked();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/users\/\?saved=\d+$/);
  await expect(page.getByText("The user was saved.")).toBeVisible();
  await logOut(page);
  await page.goto(await linkFromEmail(who.email, "/accounts/reset/"));
  await hydrated(page);
  await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("New password again").fill(PASSWORD);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/accounts\/login\/\?done=reset$/);
  return who;
}


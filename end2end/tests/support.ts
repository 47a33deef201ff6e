import { expect, type Page } from "@playwright/test";

/**
 * Collects console errors and warnings (hydration mismatches are reported there), page errors and
 * failed requests for Folio's own assets and server functions. Images inside imported posts are
 * not checked: the shared corpus leaves out the image files its posts link to.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.text().startsWith("Failed to load resource")) return; // judged by the response below
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() >= 400 && (path.startsWith("/pkg/") || path.startsWith("/_fn/"))) {
      problems.push(`HTTP ${response.status()} for ${path}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

export async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

/** Marks the current document; a full page load would lose the mark. */
export async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { __folioMark: number }).__folioMark = 42));
}

export async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __folioMark?: number }).__folioMark === 42);
}


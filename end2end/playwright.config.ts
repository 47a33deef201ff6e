import { defineConfig } from "@playwright/test";
import { execSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's Chromium (Playwright's own browser download is not available here). */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execSync("command -v chromium || command -v chromium-browser", { shell: "/bin/bash" }).toString().trim();
}

const port = Number(process.env.FOLIO_E2E_PORT ?? 3005);
/** Where the test server writes its email (the tests read the links from there). */
export const mailDir = process.env.FOLIO_E2E_MAIL_DIR ?? join(tmpdir(), `folio-e2e-mail-${port}`);
process.env.FOLIO_E2E_MAIL_DIR = mailDir;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: "bash ../scripts/e2e-server",
    url: `http://127.0.0.1:${port}/robots.txt`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: { FOLIO_E2E_PORT: String(port), FOLIO_E2E_MAIL_DIR: mailDir },
  },
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "@playwright/test";

/** The folder the test server writes `.eml` files to (set by playwright.config.ts). */
export function mailDir(): string {
  return process.env.FOLIO_E2E_MAIL_DIR ?? join(tmpdir(), `folio-e2e-mail-${process.env.FOLIO_E2E_PORT ?? 3005}`);
}

/** Waits for an email to `to` containing a link to `pathPrefix` and returns that link's path. */
export async function linkFromEmail(to: string, pathPrefix: string): Promise<string> {
  let link = "";
  await expect
    .poll(
      () => {
        let files: string[] = [];
        try {
          files = readdirSync(mailDir()).filter((f) => f.endsWith(".eml"));
        } catch {
          return "";
        }
        files.sort((a, b) => statSync(join(mailDir(), b)).mtimeMs - statSync(join(mailDir(), a)).mtimeMs);
        for (const file of files) {
          const text = readFileSync(join(mailDir(), file), "utf8");
          if (!text.includes(`To: ${to}`)) continue;
          const match = text.match(new RegExp(`https?://[^\\s/]+(${pathPrefix.replace(/\//g, "\\/")}[A-Za-z0-9_-]+/)`));
          if (match) {
            link = match[1];
            return link;
          }
        }
        return "";
      },
      { timeout: 10_000, message: `an email to ${to} with a ${pathPrefix} link` },
    )
    .not.toBe("");
  return link;
}

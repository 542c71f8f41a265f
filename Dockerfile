# Build: docker build -t studybot .
#        (podman: podman build --format docker -t studybot . ; the default OCI format drops the
#        HEALTHCHECK below)
# Run:   docker run -e DISCORD_TOKEN=... -v studybot-data:/data studybot

# The dependencies are compiled in a layer of their own (cargo-chef): after a change to
# studybot's source only studybot is compiled again, not the ~300 crates (about 6 minutes on
# 2 cores).
FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --version 0.1.78 --locked
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
# Build settings (SQLite's compile options: .cargo/config.toml) apply to the dependencies too.
COPY .cargo/config.toml .cargo/config.toml
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin studybot
COPY Cargo.toml Cargo.lock build.rs ./
COPY migrations migrations
COPY curriculum curriculum
COPY src src
COPY benches benches
# Workspace members (the dev-only fake Discord and throwaway PostgreSQL): cargo reads their
# manifests to resolve the lock file.
COPY crates crates
COPY licenses licenses
RUN cargo build --release --locked --bin studybot

FROM debian:bookworm-slim AS runtime
# No system CA certificates (nor OpenSSL): every TLS connection of the binary (Discord's REST
# API and gateway, PostgreSQL with sslmode=require) is rustls with the Mozilla roots compiled
# in (webpki-roots). A PostgreSQL server with a private CA is trusted through
# `sslrootcert=/path/in/a/volume.pem` in the database URL.
RUN groupadd --system --gid 10001 studybot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin studybot \
    && mkdir -p /data && chown 10001:10001 /data
WORKDIR /app
COPY --from=build /src/target/release/studybot /usr/local/bin/studybot
# The curriculum is also built into the binary; this copy can be edited or mounted over.
COPY curriculum /app/curriculum
# studybot's licence; the chart's font (built into the binary) and its licence; every
# crate's licence with its text.
COPY LICENSE /usr/share/doc/studybot/LICENSE
COPY licenses /usr/share/doc/studybot/licenses
COPY THIRD_PARTY_LICENSES.md /usr/share/doc/studybot/THIRD_PARTY_LICENSES.md
ENV STUDYBOT_DATABASE=/data/studybot.db \
    STUDYBOT_CURRICULUM=/app/curriculum \
    STUDYBOT_METRICS_ADDR=0.0.0.0:9464
# /metrics, /livez, /readyz on every interface of the container (9464: the port Prometheus
# reserves for exporters like this one), so `docker run -p 127.0.0.1:9464:9464` can publish it.
EXPOSE 9464
VOLUME ["/data"]
USER 10001:10001
# On SIGTERM the bot answers the interactions it already received (at most 6 s), then stops:
# inside Docker's default 10 s grace period.
STOPSIGNAL SIGTERM
# Ready = every shard connected, the database answering and taking writes, REST requests not
# held, the scheduler ticking (/readyz).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["studybot", "healthcheck"]
ENTRYPOINT ["studybot"]
CMD ["run"]

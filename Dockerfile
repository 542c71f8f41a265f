# syntax=docker/dockerfile:1
# Build: docker build -t studybot .
# Run:   docker run -e DISCORD_TOKEN=... -v studybot-data:/data studybot

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# sqlx query macros use the committed offline data in .sqlx/, no database needed.
ENV SQLX_OFFLINE=true
COPY Cargo.toml Cargo.lock build.rs ./
COPY .sqlx .sqlx
COPY migrations migrations
COPY curriculum curriculum
COPY src src
COPY benches benches
# Workspace member (the dev-only fake Discord): cargo reads its manifest to resolve the lock file.
COPY crates crates
RUN cargo build --release --locked --bin studybot

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin studybot \
    && mkdir -p /data && chown studybot /data
WORKDIR /app
COPY --from=build /src/target/release/studybot /usr/local/bin/studybot
# The curriculum is also built into the binary; this copy can be edited or mounted over.
COPY curriculum /app/curriculum
ENV STUDYBOT_DATABASE=/data/studybot.db \
    STUDYBOT_CURRICULUM=/app/curriculum
VOLUME ["/data"]
USER studybot
ENTRYPOINT ["studybot"]
CMD ["run"]

# Olive in a container: build with the command CI's build step uses (in release mode), run on a slim
# Debian as a non-root user. See docs/deploy.md (these files are not built on the project's machines).
#
#   docker build -t olive .
#   docker run -d --name olive --stop-timeout 60 -p 127.0.0.1:8080:8080 \
#     -v olive-data:/var/lib/olive --env-file olive.env olive
# (olive.env as deploy/olive.env.example, without OLIVE_ADDR and OLIVE_DATA_DIR: the image sets them.)

# --- build ------------------------------------------------------------------------------------------
# Rust 1.95, the toolchain the project is tested with (rust-version in Cargo.toml is the oldest that builds it).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The whole workspace: .cargo/config.toml sets the flags of the bundled SQLite, and the migrations,
# templates, static files and playbooks are compiled into the binary.
COPY . .
RUN cargo build --release --locked -p olive

# --- run --------------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates for webhooks and SMTP over TLS; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --home-dir /var/lib/olive --shell /usr/sbin/nologin olive \
    && install -d -o olive -g olive -m 0700 /var/lib/olive
COPY --from=build /src/target/release/olive /usr/local/bin/olive

USER olive
WORKDIR /var/lib/olive
# In a container Olive must listen on every interface; publish the port on the host's loopback only
# and put the TLS proxy in front (OLIVE_TRUSTED_PROXIES names it).
ENV OLIVE_DATA_DIR=/var/lib/olive \
    OLIVE_ADDR=0.0.0.0:8080
VOLUME ["/var/lib/olive"]
EXPOSE 8080
# Ready: 200 when this instance can serve, 503 with the reason when not.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/api/v1/ready || exit 1
# SIGTERM (Docker's default) stops Olive gracefully; give it longer than OLIVE_SHUTDOWN_GRACE_SECS
# (docker run --stop-timeout 60, or stop_grace_period in compose).
ENTRYPOINT ["/usr/local/bin/olive"]
CMD ["serve"]

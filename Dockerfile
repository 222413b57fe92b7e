# One image for every node of a readiness cluster (docs/cluster.md): the client
# (`readiness scan --engine ballista://scheduler:50050`), `readiness scheduler` and
# `readiness executor` are the same binary, built with the `ballista` feature.
#
#   docker build -t readiness:cluster .                     # builds readiness inside the image
#   docker build -t readiness:cluster --target prebuilt .   # packs target/release/readiness, built
#                                                           # before with --features ballista

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features ballista --bin readiness \
    && cp target/release/readiness /usr/local/bin/readiness

FROM debian:bookworm-slim AS base
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["readiness"]

FROM base AS prebuilt
COPY target/release/readiness /usr/local/bin/readiness

FROM base AS runtime
COPY --from=build /usr/local/bin/readiness /usr/local/bin/readiness

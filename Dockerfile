# One image for every node of a readiness cluster (docs/cluster.md): the client
# (`readiness scan --engine ballista://scheduler:50050`), `readiness scheduler` and
# `readiness executor` are the same binary, built with the `ballista` feature.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features ballista --bin readiness

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/readiness /usr/local/bin/readiness
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["readiness"]

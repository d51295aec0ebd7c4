# Dockerfile: Sluice in one container (nginx + sluice-api + sluice-scheduler,
# supervised by scripts/sluice-run under tini). Data lives in the /data
# volume; flow files mounted at /flows are applied on start; HTTPS on port
# 8443. The first start prints the admin password before health answers:
#   docker build -t sluice .
#   docker run -d --name sluice -p 8443:8443 -v sluice-data:/data sluice
#   docker logs sluice            # URL and the admin password (shown once)
#   docker exec -i sluice sluicectl user add alice --role operator <<<'pw'
# With podman: podman build --format docker -t sluice . (the OCI format
# drops HEALTHCHECK); `make image` picks podman or docker and its flags.
# Installs are noninteractive (DEBIAN_FRONTEND as a build ARG, so it does
# not linger in the container's environment) and leave no apt caches.

# --- build stage -------------------------------------------------------------
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	build-essential pkg-config libfcgi-dev libsqlite3-dev libjson-c-dev \
	libcrypt-dev libcurl4-openssl-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j"$(nproc)" bin/sluice-api bin/sluice-scheduler bin/sluicectl

# --- runtime stage -----------------------------------------------------------
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	libfcgi0ldbl libsqlite3-0 libjson-c5 libcrypt1 libcurl4 \
	nginx-light openssl curl ca-certificates python3 python3-venv git tzdata tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old \
	/var/log/apt /var/log/dpkg.log /var/log/alternatives.log \
 && rm -f /etc/nginx/sites-enabled/default \
 && mkdir -p /flows
COPY --from=build /src/bin/sluice-api /src/bin/sluice-scheduler \
	/src/bin/sluicectl /usr/local/bin/
COPY --from=build /src/migrations /usr/share/sluice/migrations
COPY --from=build /src/static /usr/share/sluice/static
COPY --from=build /src/nginx /usr/share/sluice/nginx
COPY --from=build /src/scripts/sluice-run /usr/share/sluice/scripts/
COPY --from=build /src/examples /usr/share/sluice/examples
COPY --from=build /src/docker/entrypoint.sh /src/docker/healthcheck.sh \
	/usr/share/sluice/docker/

# SLUICE_KILL_GRACE_S=5: a stop with tasks running still ends within the
# engines' default 10 s stop timeout (raise both together if tasks need
# longer: docker stop -t / stop_grace_period).
ENV SLUICE_DATA=/data \
    SLUICE_BIND=0.0.0.0 \
    SLUICE_PORT=8443 \
    SLUICE_FLOWS_DIR=/flows \
    SLUICE_KILL_GRACE_S=5 \
    SLUICE_BIN_DIR=/usr/local/bin \
    SLUICE_MIGRATIONS=/usr/share/sluice/migrations
VOLUME ["/data"]
EXPOSE 8443
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
	CMD ["/usr/share/sluice/docker/healthcheck.sh"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/share/sluice/docker/entrypoint.sh"]

#!/usr/bin/env bash
# Builds the stack image from Debian packages: debootstrap a minimal root, add the
# operator's CA bundle (so builds behind a TLS-inspecting proxy trust what the host
# trusts), create the unprivileged dyno user, then `docker import`. Nothing is pulled
# from an image registry. Usage: build-stack.sh IMAGE CA_BUNDLE
set -euo pipefail
image=$1
ca_bundle=$2
suite=${OURO_STACK_SUITE:-bookworm}

root=$(mktemp -d /var/tmp/ouro-stack.XXXXXX)
trap 'rm -rf "$root"' EXIT

debootstrap --variant=minbase \
  --include=ca-certificates,curl,git,xz-utils,procps,libatomic1 \
  "$suite" "$root" >&2

if [ -s "$ca_bundle" ]; then
  install -m 0644 "$ca_bundle" "$root/usr/local/share/ca-certificates/ouro-operator.crt"
  chroot "$root" update-ca-certificates >&2
fi

chroot "$root" groupadd --gid 1000 dyno
chroot "$root" useradd --uid 1000 --gid 1000 --home-dir /app --no-create-home --shell /bin/bash dyno
install -d -o 1000 -g 1000 "$root/app" "$root/tmp/cache"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV HOME=/app' \
  --change 'WORKDIR /app' \
  --change "LABEL ouro.stack=$suite" \
  --change "LABEL ouro.stack.source=${OURO_STACK_SOURCE_DIGEST:-unknown}" \
  - "$image"

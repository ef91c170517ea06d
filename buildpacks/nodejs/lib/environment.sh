# The app's config vars (one file per var in ENV_DIR), exported for npm and build scripts.
# Variables that would break the build environment itself are left out, as on Heroku.

export_env_dir() {
  local env_dir=$1 file name
  [ -d "$env_dir" ] || return 0
  for file in "$env_dir"/*; do
    [ -f "$file" ] || continue
    name=${file##*/}
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    case $name in PATH | GIT_DIR | CPATH | CPPATH | LD_PRELOAD | LIBRARY_PATH) continue ;; esac
    export "$name=$(cat "$file")"
  done
}

# write_profile BUILD_DIR: run-time environment, sourced by every dyno (the app is at /app).
write_profile() {
  mkdir -p "$1/.profile.d"
  cat >"$1/.profile.d/nodejs.sh" <<'PROFILE'
export NODE_HOME=/app/.heroku/node
export PATH="/app/.heroku/node/bin:/app/node_modules/.bin:$PATH"
export NODE_ENV=${NODE_ENV:-production}
PROFILE
}

# write_export BP_DIR BUILD_DIR: build-time environment for the buildpacks that run after this one.
write_export() {
  local content
  content=$(printf 'export NODE_HOME=%q\nexport PATH=%q:"$PATH"\n' \
    "$2/.heroku/node" "$2/.heroku/node/bin:$2/node_modules/.bin")
  echo "$content" 2>/dev/null >"$1/export" ||
    detail "The buildpack directory is read-only: later buildpacks will not find node on PATH"
}

# engines_major PACKAGE_JSON: the major a plain engines.node names ("24", "24.x", "^24.1", "~24"),
# read with grep before any node exists; only a hint of which Node.js to fetch first (npm's semver
# decides what the app gets), so anything else gives nothing.
engines_major() {
  { grep -ozE '"engines"[[:space:]]*:[[:space:]]*\{[^}]*\}' "$1" 2>/dev/null || true; } | tr -d '\0' |
    { grep -oE '"node"[[:space:]]*:[[:space:]]*"[~^=v]?[0-9]{1,4}(\.[0-9x*]+)*"' || true; } |
    head -n 1 | sed -E 's/.*"[~^=v]?([0-9]{1,4}).*/\1/'
}

# Output conventions of the Heroku buildpack API: headlines, 7-space details, all on stdout
# so that they keep their order in the build log.

headline() { printf -- '-----> %s\n' "$*"; }
detail() { printf '       %s\n' "$@"; }
indent() { sed -u '/^[[:space:]]*$/d; s/^/       /'; }

# fail LINE...: says what went wrong and what to fix, then stops the build.
fail() {
  printf ' !     %s\n' "$@"
  exit 1
}

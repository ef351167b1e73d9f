#!/bin/sh
# The reference pages in docs/ (those with a "## SYNOPSIS" section: tls_config.md,
# tls_connect.md...) cannot drift from the headers:
#   - every public function of include/tlsio/*.h (a tls_ or tlsio_ function) is declared in
#     the SYNOPSIS of at least one page, with the header's prototype (layout aside), and is
#     named in that page's NAME;
#   - every function a page's NAME gives (`tls_...` in backquotes) is declared in its
#     SYNOPSIS, and every function a SYNOPSIS declares is one of the headers'.
# The man pages have the stricter check of their own (tests/man_check.sh).
# Usage: sh tests/docs_check.sh [SOURCE_DIR]
set -eu
src=${1:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk -f "$src/tests/c_prototypes.awk" "$src"/include/tlsio/*.h | sort >"$tmp/header"
n_funcs=$(cut -f1 "$tmp/header" | sort -u | wc -l)
[ "$n_funcs" -gt 0 ] || {
    echo "docs_check: FAILED: no public function found in $src/include/tlsio/*.h"
    exit 1
}

# One line per fact: "syn<TAB>page<TAB>name<TAB>prototype" and "name<TAB>page<TAB>name".
n_pages=0
for p in "$src"/docs/*.md; do
    grep -q '^## SYNOPSIS$' "$p" || continue
    n_pages=$((n_pages + 1))
    page=$(basename "$p")
    # The SYNOPSIS section's code blocks, as C text.
    awk '/^## / { s = ($0 == "## SYNOPSIS") } s && /^```/ { code = !code; next } s && code' "$p" |
        awk -f "$src/tests/c_prototypes.awk" | sed "s|^|syn\t$page\t|"
    # The NAME section's names in backquotes.
    # shellcheck disable=SC2016
    awk '/^## / { s = ($0 == "## NAME") } s' "$p" |
        grep -o '`\(tls\|tlsio\)_[A-Za-z0-9_]*`' | tr -d '`' | sed "s|^|name\t$page\t|"
done >"$tmp/docs"

if ! awk -F'\t' '
    function problem(msg) { print "docs_check: " msg; bad++ }
    FILENAME ~ /header$/ { hproto[$1] = $2; order[++nh] = $1; next }
    $1 == "syn" {
        insyn[$2 SUBSEP $3] = $4; pages[$3] = pages[$3] " " $2; syns[++ns] = $2 SUBSEP $3
    }
    $1 == "name" { named[$2 SUBSEP $3] = 1; names[++nn] = $2 SUBSEP $3 }
    END {
        for (i = 1; i <= nh; i++) {
            f = order[i]
            if (!(f in pages)) { problem(f " (include/tlsio) is in no docs/*.md SYNOPSIS"); continue }
            n = split(pages[f], pg, " ")
            for (k = 1; k <= n; k++) {
                if (insyn[pg[k] SUBSEP f] != hproto[f])
                    problem(pg[k] ": SYNOPSIS of " f " differs from the header: docs '"'"'" \
                        insyn[pg[k] SUBSEP f] "'"'"', header '"'"'" hproto[f] "'"'"'")
                if (!((pg[k] SUBSEP f) in named))
                    problem(pg[k] ": " f " is in the SYNOPSIS but not in NAME")
            }
        }
        for (i = 1; i <= ns; i++) {
            split(syns[i], u, SUBSEP)
            if (!(u[2] in hproto)) problem(u[1] ": SYNOPSIS declares " u[2] ", not a function of include/tlsio/*.h")
        }
        for (i = 1; i <= nn; i++) {
            split(names[i], u, SUBSEP)
            if (!((u[1] SUBSEP u[2]) in insyn)) problem(u[1] ": " u[2] " is in NAME but not in the SYNOPSIS")
        }
        exit bad > 0
    }
' "$tmp/header" "$tmp/docs"; then
    echo "docs_check: FAILED"
    exit 1
fi
echo "docs_check: $n_funcs public functions, each in the NAME and SYNOPSIS of a docs/ page ($n_pages pages) with the header's prototype"

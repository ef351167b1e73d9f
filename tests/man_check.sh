#!/bin/sh
# The manual pages in man/ render cleanly and cannot drift from the code:
#   1. every page renders with groff's mdoc macros without a warning (groff -mandoc -ww, what
#      man -l runs), through man -l if man is installed, and passes mandoc -T lint -W warning
#      if mandoc is installed;
#   2. every public function of include/tlsio/*.h (a function whose name begins with tls_ or
#      tlsio_) is in the NAME and the SYNOPSIS of exactly one section 3 page, with the
#      header's exact prototype (.Ft/.Fo/.Fa/.Fc); every tls_/tlsio_ name a page gives with
#      .Nm, .Fn or .Fo is a function of the headers; every .Xr to a tls/tlsio page resolves;
#   3. every option examples/tools/ accepts is documented in tls-client.1 / tls-server.1 /
#      tls-proxy.1, and
#      every option those pages document is accepted.
# Needs groff (Debian: groff-base); mandoc (Debian: mandoc) adds the stricter mdoc lint.
# Usage: sh tests/man_check.sh [SOURCE_DIR]
set -eu
src=${1:-$(dirname "$0")/..}
mandir=$src/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Problems go to a file: several checks run in pipelines (subshells).
problem() { echo "man_check: $*" >>"$tmp/problems"; }

if ! command -v groff >/dev/null 2>&1; then
    echo "man_check: FAILED: groff is not installed, so the manual pages cannot be rendered."
    echo "man_check: install the Debian package groff-base (apt-get install groff-base)."
    exit 1
fi
pages=$(ls "$mandir"/*.[1-9] 2>/dev/null || true)
if [ -z "$pages" ]; then
    echo "man_check: FAILED: no manual pages in $mandir"
    exit 1
fi

# 1. Rendering.
n_pages=0
renderers="groff"
command -v mandoc >/dev/null 2>&1 && renderers="$renderers, mandoc -T lint"
command -v man >/dev/null 2>&1 && renderers="$renderers, man -l"
for p in $pages; do
    n_pages=$((n_pages + 1))
    if ! groff -mandoc -ww -Tutf8 "$p" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
        problem "$p: groff -mandoc -ww: $(cat "$tmp/err")"
    elif [ ! -s "$tmp/out" ]; then
        problem "$p: groff rendered nothing"
    fi
    if command -v mandoc >/dev/null 2>&1; then
        if ! mandoc -T lint -W warning "$p" >"$tmp/err" 2>&1 || [ -s "$tmp/err" ]; then
            problem "$p: mandoc -T lint -W warning: $(cat "$tmp/err")"
        fi
    fi
done
# man -l renders with groff too (checked above): here only that it renders them all.
if command -v man >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    if ! MANWIDTH=80 man -l -P cat $pages >"$tmp/out" 2>"$tmp/err" || [ ! -s "$tmp/out" ]; then
        problem "man -l failed: $(cat "$tmp/err")"
    fi
fi
command -v mandoc >/dev/null 2>&1 ||
    echo "man_check: note: mandoc is not installed; the mdoc lint was skipped (Debian: mandoc)"

# 2. The public functions of the headers against the pages.
# Header prototypes, one per line: "name<TAB>canonical prototype".
awk -f "$src/tests/c_prototypes.awk" "$src"/include/tlsio/*.h | sort >"$tmp/header"

# From the pages, one per line:
#   "proto<TAB>page<TAB>name<TAB>canonical prototype"  (SYNOPSIS)
#   "name<TAB>page<TAB>name"                           (NAME's .Nm)
#   "fn<TAB>page<TAB>name"                             (.Fn/.Fo anywhere)
#   "xr<TAB>page<TAB>name<TAB>section"                 (.Xr anywhere)
#   "fl<TAB>page<TAB>option<TAB>in_list"               (Fl: option, 1 if on an .It line)
for p in $pages; do
    awk -v page="$(basename "$p")" '
        function canon(s) {
            gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
            gsub(/ ?\* ?/, "*", s); gsub(/ ?\( ?/, "(", s); gsub(/ ?\) ?/, ")", s)
            gsub(/ ?, ?/, ",", s)
            return s
        }
        function unquote(s) { gsub(/"/, "", s); return s }
        function flush() {
            if (fo != "") print "proto\t" page "\t" fo "\t" canon(ft " " fo "(" fa ")")
            fo = ""; fa = ""
        }
        /^\.Sh / { flush(); sect = substr($0, 5); next }
        !/^\./ { next }
        {
            # Macro names anywhere on a macro line: Fn, Fo, Xr, Fl.
            n = split($0, w, /[ \t]+/)
            for (i = 1; i <= n; i++) {
                m = w[i]; sub(/^\./, "", m)
                if ((m == "Fn" || m == "Fo") && i < n) print "fn\t" page "\t" unquote(w[i + 1])
                if (m == "Xr" && i + 1 < n) print "xr\t" page "\t" w[i + 1] "\t" w[i + 2]
                if (m == "Fl" && i < n) {
                    opt = w[i + 1]; gsub(/\\-/, "-", opt)
                    print "fl\t" page "\t-" opt "\t" ($1 == ".It" ? 1 : 0)
                }
            }
        }
        sect == "NAME" && $1 == ".Nm" && NF >= 2 { print "name\t" page "\t" $2 }
        sect != "SYNOPSIS" { next }
        $1 == ".Ft" { flush(); ft = unquote(substr($0, 5)); next }
        $1 == ".Fo" { flush(); fo = $2; next }
        $1 == ".Fa" && fo != "" { fa = fa (fa == "" ? "" : ",") unquote(substr($0, 5)); next }
        $1 == ".Fc" { flush(); next }
        $1 == ".Fn" {
            flush()
            line = substr($0, 5); nm = line; sub(/ .*/, "", nm); args = ""
            rest = substr(line, length(nm) + 1)
            while (match(rest, /"[^"]*"|[^ "]+/)) {
                a = unquote(substr(rest, RSTART, RLENGTH)); rest = substr(rest, RSTART + RLENGTH)
                args = args (args == "" ? "" : ",") a
            }
            print "proto\t" page "\t" nm "\t" canon(ft " " nm "(" args ")")
            next
        }
        END { flush() }
    ' "$p"
done >"$tmp/pages"

cut -f1 "$tmp/header" | sort -u >"$tmp/hnames"
n_funcs=$(wc -l <"$tmp/hnames")
[ "$n_funcs" -gt 0 ] || problem "no public function found in $src/include/tlsio/*.h"

# One pass over both lists:
#   - each header function is in exactly one SYNOPSIS, with the header's prototype, and in
#     that page's NAME;
#   - each tls_/tlsio_ name a page gives (.Nm in NAME, SYNOPSIS, .Fn/.Fo) is a header
#     function, and each NAME entry has a SYNOPSIS;
#   - each .Xr to one of our pages resolves: a page file, or a name in the NAME of a page of
#     that section (man/CMakeLists.txt installs a page for each such name).
ls "$mandir" >"$tmp/files"
awk -F'\t' -v files="$tmp/files" '
    BEGIN { while ((getline f < files) > 0) file[f] = 1 }
    FILENAME ~ /header$/ { hproto[$1] = $2; order[++nh] = $1; next }
    $1 == "proto" { nsyn[$3]++; synpages[$3] = synpages[$3] " " $2; syn[$2 SUBSEP $3] = $4 }
    $1 == "name" { named[$2 SUBSEP $3] = 1; sec = $2; sub(/.*\./, "", sec); nm_sec[$3 SUBSEP sec] = 1 }
    $1 == "proto" || $1 == "name" || $1 == "fn" {
        if ($3 ~ /^(tls|tlsio)_/) used[++nu] = $2 SUBSEP $3 SUBSEP $1
    }
    $1 == "xr" && $3 ~ /^tls/ { sec = $4; gsub(/[^0-9]/, "", sec); xr[++nx] = $2 SUBSEP $3 SUBSEP sec }
    function problem(msg) { print "man_check: " msg }
    END {
        for (i = 1; i <= nh; i++) {
            f = order[i]
            if (!(f in nsyn)) { problem(f " (include/tlsio) is in no page'"'"'s SYNOPSIS"); continue }
            if (nsyn[f] > 1) problem(f " is in the SYNOPSIS of " nsyn[f] " pages:" synpages[f])
            n = split(synpages[f], pgs, " ")
            for (k = 1; k <= n; k++) {
                pg = pgs[k]
                if (syn[pg SUBSEP f] != hproto[f])
                    problem(pg ": SYNOPSIS of " f " differs from the header: page '"'"'" \
                        syn[pg SUBSEP f] "'"'"', header '"'"'" hproto[f] "'"'"'")
                if (!((pg SUBSEP f) in named)) problem(pg ": " f " is in the SYNOPSIS but not in NAME")
            }
        }
        for (i = 1; i <= nu; i++) {
            split(used[i], u, SUBSEP)
            if (!(u[2] in hproto))
                problem(u[1] ": " u[2] " (" u[3] ") is not a function of include/tlsio/*.h")
            if (u[3] == "name" && !((u[1] SUBSEP u[2]) in syn))
                problem(u[1] ": " u[2] " is in NAME but not in the SYNOPSIS")
        }
        for (i = 1; i <= nx; i++) {
            split(xr[i], x, SUBSEP)
            if (!((x[2] "." x[3]) in file) && !((x[2] SUBSEP x[3]) in nm_sec))
                problem(x[1] ": .Xr " x[2] " " x[3] " names no page")
        }
    }
' "$tmp/header" "$tmp/pages" >>"$tmp/problems"

# 3. The tools' options (strings "--name" or "-x" compared with argv in the sources).
check_tool() { # page, sources...
    page=$1
    shift
    [ -f "$mandir/$page" ] || {
        problem "$page is missing"
        return
    }
    grep -ho '"--*[a-z][a-z0-9.-]*"' "$@" | tr -d '"' | sort -u >"$tmp/src_opts"
    awk -F'\t' -v pg="$page" '$1 == "fl" && $2 == pg && $4 == 1 { print $3 }' "$tmp/pages" |
        sort -u >"$tmp/doc_opts"
    awk -F'\t' -v pg="$page" '$1 == "fl" && $2 == pg { print $3 }' "$tmp/pages" |
        sort -u >"$tmp/any_opts"
    for o in $(comm -23 "$tmp/src_opts" "$tmp/doc_opts"); do
        problem "$page: option $o (accepted by $(basename "$2")) is not documented in the options list"
    done
    for o in $(comm -13 "$tmp/src_opts" "$tmp/any_opts"); do
        problem "$page: documents option $o, which the tool does not accept"
    done
    opts_summary="$opts_summary${opts_summary:+, }$page: $(wc -l <"$tmp/src_opts") options"
}
tools=$src/examples/tools
opts_summary=""
check_tool tls-client.1 "$tools/toolopts.c" "$tools/tls_client.c"
check_tool tls-server.1 "$tools/toolopts.c" "$tools/tls_server.c"
check_tool tls-proxy.1 "$tools/toolopts.c" "$tools/tls_proxy.c"

if [ -s "$tmp/problems" ]; then
    cat "$tmp/problems"
    echo "man_check: FAILED ($(wc -l <"$tmp/problems") problems)"
    exit 1
fi
echo "man_check: $n_pages pages render cleanly ($renderers)"
echo "man_check: $n_funcs public functions, each in one page's NAME and SYNOPSIS with its exact prototype"
echo "man_check: every tool option documented ($opts_summary)"

# Prints the tls_/tlsio_ function declarations in C text, one per line:
#   name<TAB>canonical prototype
# (comments, preprocessor lines and typedefs left out; spaces around '*', '(', ')' and ','
# removed, other runs of blanks made one space), so that two texts can be compared whatever
# their layout. Used on include/tlsio/*.h and on the prototypes the docs and man pages give
# (tests/man_check.sh, tests/docs_check.sh).
function canon(s) {
    gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
    gsub(/ ?\* ?/, "*", s); gsub(/ ?\( ?/, "(", s); gsub(/ ?\) ?/, ")", s)
    gsub(/ ?, ?/, ",", s)
    return s
}
{
    line = $0
    # Comments, possibly over several lines.
    out = ""
    while (line != "") {
        if (incomment) {
            k = index(line, "*/")
            if (k == 0) { line = ""; break }
            line = substr(line, k + 2); incomment = 0
        } else {
            k = index(line, "/*")
            if (k == 0) { out = out line; line = ""; break }
            out = out substr(line, 1, k - 1) " "; line = substr(line, k + 2); incomment = 1
        }
    }
    if (out ~ /^[ \t]*#/ || out ~ /^[ \t]*extern "C" \{[ \t]*$/ || out ~ /^[ \t]*\}[ \t]*$/)
        next
    text = text " " out
}
END {
    n = split(text, stmt, ";")
    for (i = 1; i <= n; i++) {
        s = canon(stmt[i])
        if (s ~ /^typedef/ || s ~ /[{}]/) continue
        if (!match(s, /(tls|tlsio)_[A-Za-z0-9_]*\(/)) continue
        name = substr(s, RSTART, RLENGTH - 1)
        if (s !~ /\)$/ || RSTART == 1) continue
        print name "\t" s
    }
}

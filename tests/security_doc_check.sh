#!/bin/sh
# docs/security.md names the tests that prove each defence: every `Suite.Name` it cites must
# be a test in tests/unit, so the table cannot point at a test that was renamed or removed.
# Usage: security_doc_check.sh SOURCE_DIR
set -eu
src=${1:-.}
doc="$src/docs/security.md"
missing=0
count=0
for t in $(grep -oE '`[A-Z][A-Za-z0-9]+\.[A-Z][A-Za-z0-9]+`' "$doc" | tr -d '`' | sort -u); do
    [ "$t" = Suite.Name ] && continue # the doc's own example of the form
    suite=${t%%.*}
    name=${t#*.}
    count=$((count + 1))
    if ! grep -qE "TEST(_F|_P)?\($suite, $name\)" "$src"/tests/unit/*.cc; then
        echo "security_doc_check: docs/security.md cites $t, which is not a test in tests/unit"
        missing=$((missing + 1))
    fi
done
[ "$missing" -eq 0 ] || exit 1
echo "security_doc_check: all $count tests cited by docs/security.md exist"

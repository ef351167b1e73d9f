#!/usr/bin/env python3
"""Compiles every C snippet of README.md and docs/*.md, so that none drifts from the API.

A snippet is a ```c block outside a "## SYNOPSIS" section (tests/docs_check.sh holds those to
the headers). Most are fragments: they use names the reader's program would have (a config,
a connection, a socket). Each is compiled on its own with -fsyntax-only, after a prelude
that includes the public headers and the system headers snippets use, and declares those
names (tests/docs_snippets_prelude.h). Function definitions (from column 0 to their closing
brace) stay at file scope; the other lines go inside a function (returning int if they
return a value). Errors name the line of the markdown file.

An HTML comment right before a block adjusts this, for what the prelude cannot guess:
    <!-- snippet: context DECLARATIONS -->   more declarations for this block only
    <!-- snippet: skip REASON -->            not compiled (pseudo-code); the reason is kept

Usage: python3 tests/docs_snippets.py [SOURCE_DIR] [--cc CC] [--boringssl-include DIR] [--werror]
Prints one line per snippet that fails with the compiler's first error, then a summary;
exit 1 if any failed.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

FUNC_DEF = re.compile(r"^(static\s+)?[A-Za-z_][\w\s\*]*\b\w+\s*\([^;{]*\)\s*\{")
RETURNS_VALUE = re.compile(r"\breturn\s+[^;\s]")
DIRECTIVE = re.compile(r"<!--\s*snippet:\s*(context|skip)\s*(.*?)\s*-->", re.S)


def blocks(path):
    """(line, directives, code) of each C block outside a SYNOPSIS section."""
    lines = open(path, encoding="utf-8").read().split("\n")
    section, i, out = "", 0, []
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i]
        if lines[i].strip() == "```c":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            # The directives: the HTML comments right above the block (blank lines between).
            k, above = i - 1, []
            while k >= 0:
                if lines[k].strip() == "":
                    k -= 1
                    continue
                if not lines[k].rstrip().endswith("-->"):
                    break
                m = k
                while m > 0 and "<!--" not in lines[m]:
                    m -= 1
                above = lines[m:k + 1] + above
                k = m - 1
            if section != "## SYNOPSIS":
                out.append((i + 1, DIRECTIVE.findall("\n".join(above)), "\n".join(lines[i + 1:j])))
            i = j
        i += 1
    return out


def split(code, first_line, path):
    """(function definitions, other lines), each line after a #line naming its place in the
    markdown file. A definition starts at column 0 and runs until its braces balance; what is
    left are statements, for the wrapping function."""
    defs, rest, depth, in_def = [], [], 0, False
    for k, line in enumerate(code.split("\n")):
        if not in_def and FUNC_DEF.match(line):
            in_def = True
        (defs if in_def else rest).append(f'#line {first_line + k} "{path}"\n{line}')
        if in_def:
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                in_def, depth = False, 0
    return "\n".join(defs), "\n".join(rest)


def translation_unit(prelude, directives, code, first_line, path):
    extra = "\n".join(text for kind, text in directives if kind == "context")
    defs, stmts = split(code, first_line, path)
    body = defs
    if stmts.strip():
        ret = "int" if RETURNS_VALUE.search(stmts) else "void"
        tail = "return 0;" if ret == "int" else ""
        body += f"\n{ret} snippet(void) {{\n{stmts}\n{tail}\n}}"
    return f"{prelude}\n{extra}\n{body}\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", nargs="?", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--boringssl-include", default="/usr/include/android")
    ap.add_argument("--werror", action="store_true", help="every warning fails a snippet")
    a = ap.parse_args()
    prelude = open(os.path.join(a.src, "tests", "docs_snippets_prelude.h")).read()
    # API drift shows as these three whatever the compiler; --werror (the project's
    # TLSIO_WERROR builds) makes every warning count too.
    strict = ["-Werror"] if a.werror else ["-Werror=implicit-function-declaration",
                                          "-Werror=incompatible-pointer-types",
                                          "-Werror=int-conversion"]
    flags = ["-std=c11", "-fsyntax-only", "-Wall", "-Wextra", *strict, "-Wno-unused",
             "-Wno-unused-parameter", "-Wno-unused-but-set-variable", "-D_GNU_SOURCE",
             "-I", os.path.join(a.src, "include"), "-idirafter", a.boringssl_include]
    files = [os.path.join(a.src, "README.md")] + sorted(glob.glob(os.path.join(a.src, "docs", "*.md")))
    compiled = skipped = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "uv.c")
        with open(probe, "w") as f:
            f.write("#include <uv.h>\n")
        have_uv = subprocess.run([a.cc, "-fsyntax-only", probe], capture_output=True).returncode == 0
        if not have_uv:
            print("docs_snippets: <uv.h> not found (libuv1-dev): the libuv snippets are skipped")
        for path in files:
            for line, directives, code in blocks(path):
                where = f"{os.path.relpath(path, a.src)}:{line}"
                uses_uv = any("<uv.h>" in text for _, text in directives)
                if any(kind == "skip" for kind, _ in directives) or (uses_uv and not have_uv):
                    skipped += 1
                    continue
                c = os.path.join(tmp, "snippet.c")
                with open(c, "w") as f:
                    f.write(translation_unit(prelude, directives, code, line + 1,
                                              os.path.relpath(path, a.src)))
                r = subprocess.run([a.cc, *flags, c], capture_output=True, text=True)
                compiled += 1
                if r.returncode != 0:
                    failed += 1
                    first = next((x for x in r.stderr.splitlines() if "error" in x), r.stderr)
                    print(f"docs_snippets: {first}")
    print(f"docs_snippets: {compiled} snippets compiled, {failed} failed, {skipped} skipped")
    return 1 if failed or compiled == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

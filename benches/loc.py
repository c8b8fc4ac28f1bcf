#!/usr/bin/env python3
"""Library lines of code, as [2/5] counts them: src/ less src/fake and src/bin;
no #[cfg(test)] items, comments or blank lines. Usage: benches/loc.py [ROOT] [--files]"""
import os, sys, re
root = next((a for a in sys.argv[1:] if not a.startswith("--")), ".")
per = {}
total = 0
for d, _, fs in os.walk(os.path.join(root, "src")):
    rel = os.path.relpath(d, root)
    if rel.startswith("src/fake") or rel.startswith("src/bin"):
        continue
    for f in fs:
        if not f.endswith(".rs"):
            continue
        path = os.path.join(d, f)
        if os.path.relpath(path, root) == "src/test_rng.rs":
            # declared `#[cfg(test)] mod test_rng;` in lib.rs: test-only file
            continue
        lines = open(path, encoding="utf-8").read().split("\n")
        n = 0
        skip_depth = None  # brace depth while skipping a cfg(test) item
        pending_test = False
        in_block = False
        for line in lines:
            s = line.strip()
            if in_block:
                if "*/" in s:
                    in_block = False
                continue
            if s.startswith("/*"):
                if "*/" not in s:
                    in_block = True
                continue
            if skip_depth is not None:
                # strip strings/chars crudely before counting braces
                t = re.sub(r'"(\\.|[^"\\])*"', '""', s)
                t = re.sub(r"'(\\.|[^'\\])'", "''", t)
                skip_depth += t.count("{") - t.count("}")
                if skip_depth <= 0 and ("}" in t or t.endswith(";")):
                    skip_depth = None
                continue
            if not s or s.startswith("//"):
                continue
            if s == "#[cfg(test)]":
                pending_test = True
                continue
            if pending_test:
                pending_test = False
                if s.startswith("#["):
                    pending_test = True
                    continue
                if s.endswith(";"):
                    continue  # `mod x;` declaration
                t = re.sub(r'"(\\.|[^"\\])*"', '""', s)
                depth = t.count("{") - t.count("}")
                if depth > 0:
                    skip_depth = depth
                continue
            n += 1
        per[os.path.relpath(path, root)] = n
        total += n
if "--files" in sys.argv:
    for k in sorted(per, key=per.get, reverse=True):
        print(f"{per[k]:6} {k}")
print("total", total)

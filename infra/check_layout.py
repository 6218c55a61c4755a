#!/usr/bin/env python3
"""Checks the shape of the Rust tree, so it stays readable as it grows:

- no import circle between the modules of any crate: at every level of the
  module tree, the children of one module depend on each other in one
  direction only (a reference is `crate::…` or `super::…`; a name a parent
  re-exports with `pub use child::…` counts as the child's);
- no source file in shared/ over 700 lines (tests apart).

Exits 1 and names each circle or file otherwise. Run by infra/test.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_LINES = 700

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
MOD_DECL = re.compile(rf"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+({IDENT})\s*;", re.M)
PUB_USE = re.compile(r"^\s*pub(?:\([^)]*\))?\s+use\s+([^;]+);", re.M)


INLINE_MOD = re.compile(rf"\bmod\s+{IDENT}\s*\{{")


def strip(source: str) -> str:
    source = STRING.sub('""', source)
    source = COMMENT.sub("", source)
    # In an inline `mod x { … }`, `super::` is the file's own module: not a
    # reference to another file.
    out, pos = [], 0
    for m in INLINE_MOD.finditer(source):
        if m.start() < pos:
            continue
        depth, j = 0, m.end() - 1
        while j < len(source):
            if source[j] == "{":
                depth += 1
            elif source[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        out.append(source[pos : m.start()])
        out.append(source[m.start() : j + 1].replace("super::", "self::"))
        pos = j + 1
    out.append(source[pos:])
    return "".join(out)


class Crate:
    def __init__(self, root_file: pathlib.Path):
        self.root_file = root_file
        self.src = root_file.parent
        # module path (tuple) -> file
        self.files: dict[tuple[str, ...], pathlib.Path] = {}
        self._load((), root_file)
        self.reexports: dict[tuple[str, ...], tuple[str, ...]] = {}
        for module, path in self.files.items():
            self._reexports(module, strip(path.read_text()))

    def _load(self, module: tuple[str, ...], path: pathlib.Path) -> None:
        self.files[module] = path
        text = strip(path.read_text())
        if path.name in ("lib.rs", "main.rs", "mod.rs") or path.parent.name == "bin":
            base = path.parent
        else:
            base = path.parent / path.stem
        for name in MOD_DECL.findall(text):
            for candidate in (base / f"{name}.rs", base / name / "mod.rs"):
                if candidate.exists():
                    self._load(module + (name,), candidate)
                    break

    def _reexports(self, module: tuple[str, ...], text: str) -> None:
        for body in PUB_USE.findall(text):
            for path in expand(body):
                if not path or path[0] in ("crate", "super", "self"):
                    path = path[1:] if path and path[0] == "self" else path
                target = module + tuple(path)
                if len(path) >= 2 and module + (path[0],) in self.files:
                    self.reexports[module + (path[-1],)] = target[:-1] if len(path) > 1 else target

    def resolve(self, path: tuple[str, ...]) -> tuple[str, ...]:
        """The deepest module a path names (following re-exports)."""
        for _ in range(8):
            if path in self.reexports:
                path = self.reexports[path]
                continue
            break
        best: tuple[str, ...] = ()
        for i in range(1, len(path) + 1):
            prefix = path[:i]
            if prefix in self.files:
                best = prefix
            elif prefix in self.reexports:
                return self.resolve(self.reexports[prefix] + path[i:])
        return best

    def references(self, module: tuple[str, ...]) -> set[tuple[str, ...]]:
        text = strip(self.files[module].read_text())
        found: set[tuple[str, ...]] = set()
        for start, rest in paths_in(text):
            if start == "crate":
                absolute = tuple(rest)
            else:  # super
                ups = 1
                while rest and rest[0] == "super":
                    ups += 1
                    rest = rest[1:]
                absolute = module[: len(module) - ups] + tuple(rest)
            target = self.resolve(absolute)
            if target:
                found.add(target)
        return found


def expand(body: str) -> list[list[str]]:
    """`a::{b, c::{d, e as f}}` -> [[a, b], [a, c, d], [a, c, e]]."""
    body = re.sub(r"\s+", " ", body)
    body = re.sub(r"\s*(::|\{|\}|,)\s*", r"\1", body).strip()
    out: list[list[str]] = []

    def walk(prefix: list[str], text: str) -> None:
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(text):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(text[start:i])
                start = i + 1
        parts.append(text[start:])
        for part in parts:
            if not part:
                continue
            if "{" in part:
                head, _, inner = part.partition("{")
                walk(prefix + [p for p in head.split("::") if p], inner.rsplit("}", 1)[0])
            else:
                name = part.split(" as ")[0].strip()
                out.append(prefix + [p for p in name.split("::") if p and p != "*"])

    walk([], body)
    return out


PATH_START = re.compile(r"\b(crate|super)::")


def paths_in(text: str):
    for m in PATH_START.finditer(text):
        start = m.group(1)
        i = m.end()
        if i < len(text) and text[i] == "{":
            depth, j = 0, i
            while j < len(text):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            for path in expand(text[i + 1 : j]):
                yield start, [p for p in path if p != "self"] or []
            continue
        seg = re.match(rf"{IDENT}(?:::{IDENT})*", text[i:])
        if seg:
            yield start, seg.group(0).split("::")


def cycles(crate: Crate) -> list[list[str]]:
    found = []
    parents = {m[:-1] for m in crate.files if m}
    for parent in sorted(parents):
        children = sorted({m[len(parent)] for m in crate.files if len(m) > len(parent) and m[: len(parent)] == parent})
        edges: dict[str, set[str]] = {c: set() for c in children}
        for module in crate.files:
            if len(module) <= len(parent) or module[: len(parent)] != parent:
                continue
            source = module[len(parent)]
            for target in crate.references(module):
                if len(target) > len(parent) and target[: len(parent)] == parent:
                    dest = target[len(parent)]
                    if dest != source:
                        edges[source].add(dest)
        for cycle in find_cycles(edges):
            found.append(["::".join(parent + (c,)) for c in cycle])
    return found


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component larger than one node."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def crate_roots() -> list[pathlib.Path]:
    roots = []
    for manifest in sorted(ROOT.glob("*/**/Cargo.toml")):
        if "target" in manifest.parts or "node_modules" in manifest.parts:
            continue
        src = manifest.parent / "src"
        for name in ("lib.rs", "main.rs"):
            if (src / name).exists():
                roots.append(src / name)
        roots.extend(sorted((src / "bin").glob("*.rs")) if (src / "bin").is_dir() else [])
    return roots


def main() -> int:
    problems = []
    for root in crate_roots():
        crate = Crate(root)
        for cycle in cycles(crate):
            problems.append(f"import circle in {root.relative_to(ROOT)}: {' <-> '.join(cycle)}")
    for path in sorted((ROOT / "shared").rglob("*.rs")):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        lines = path.read_text().count("\n")
        if lines > MAX_LINES:
            problems.append(f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"layout: {len(crate_roots())} crate roots without import circles; shared/ files within {MAX_LINES} lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

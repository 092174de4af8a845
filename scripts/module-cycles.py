#!/usr/bin/env python3
"""Fails when modules that are siblings in a crate import each other in a cycle.

Issue 16 asked for a broker without import cycles (broker <-> opening <-> registry <-> saving,
convert_to <-> http, wopi <-> wopi_override): a cycle means neither module can be read, tested
or moved without the other. This check keeps them from coming back. `make check` runs it.

For every crate's src/, each file's module path is known from where it lies. Every path the
file names through `crate::`, `super::` or `self::` (in `use` items and in code) is resolved to
the deepest module it reaches. A reference from a::x to a::y::z is an edge x -> y between the
siblings x and y of a; references between a module and its own ancestors or descendants are
not (a parent declares its children, a child uses its parent's types: that is layering, not a
cycle). Unit-test modules (`#[cfg(test)] mod tests`, tests.rs) are left out: tests may reach
anywhere. A cycle is a strongly connected set of siblings; each is printed with one reference
per edge, so the line to move is easy to find.

usage: module-cycles.py [CRATE_DIR ...]   (default: every workspace member with a src/)
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super|self)((?:::\w+)+)")
USE_GROUP = re.compile(r"\buse\s+((?:crate|super|self)(?:::\w+)*)::\{", re.S)
TEST_MODULE = re.compile(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s+tests\s*\{")


def module_path(src, file):
    rel = os.path.relpath(file, src)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    if rel and rel[0] == "bin":
        return None
    return tuple(rel)


def group_items(text, start):
    """The comma-separated items of the `{...}` that opens at text[start], nested groups kept."""
    depth, item, items = 0, "", []
    for ch in text[start:]:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                items.append(item)
                break
        if ch == "," and depth == 1:
            items.append(item)
            item = ""
        else:
            item += ch
    return [i.strip() for i in items if i.strip()]


def named_paths(text):
    """Every `crate::…`, `super::…` or `self::…` path in a file, with use-groups expanded."""
    paths = [m.group(1) + m.group(2) for m in PATH.finditer(text)]
    for m in USE_GROUP.finditer(text):
        prefix = m.group(1)
        stack = [(prefix, m.end() - 1)]
        while stack:
            prefix, at = stack.pop()
            for item in group_items(text, at):
                head = item.split("::{")[0] if "::{" in item else item
                if "::{" in item:
                    inner = text.find(item, at) + item.index("::{") + 2
                    stack.append((prefix + "::" + head, inner))
                else:
                    paths.append(prefix + "::" + head.split(" as ")[0].strip())
    return paths


def resolve(path, here, modules):
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    else:
        # In a.rs, `self` is a and `super` is a's parent; in a/mod.rs the same holds.
        base = here
        rest = parts
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    target = base
    for name in rest:
        if target + (name,) in modules:
            target = target + (name,)
        else:
            break
    return target


def crate_graph(src):
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs") and name != "tests.rs":
                path = os.path.join(root, name)
                module = module_path(src, path)
                if module is not None:
                    files[path] = module
    modules = set(files.values())
    edges = {}
    for file, here in files.items():
        with open(file, encoding="utf-8") as f:
            text = f.read()
        cut = TEST_MODULE.search(text)
        if cut:
            text = text[: cut.start()]
        text = re.sub(r"//[^\n]*", "", text)
        for path in named_paths(text):
            target = resolve(path, here, modules)
            common = 0
            while common < min(len(here), len(target)) and here[common] == target[common]:
                common += 1
            if common == len(here) or common == len(target):
                continue  # ancestor or descendant
            parent = here[:common]
            edge = (here[common], target[common])
            edges.setdefault(parent, {}).setdefault(edge, f"{os.path.relpath(file)}: {path}")
    return edges


def cycles(edges):
    """Strongly connected components (Tarjan) of more than one module."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    sys.setrecursionlimit(10000)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(repo)
    crates = sys.argv[1:] or sorted(
        d for d in os.listdir(".") if os.path.isfile(os.path.join(d, "Cargo.toml"))
        and os.path.isdir(os.path.join(d, "src"))
    )
    bad = 0
    for crate in crates:
        for parent, edges in sorted(crate_graph(os.path.join(crate, "src")).items()):
            for component in cycles(edges):
                bad += 1
                where = "::".join(("crate",) + parent)
                print(f"{crate}: import cycle among {where}::{{{', '.join(component)}}}")
                for (a, b), example in sorted(edges.items()):
                    if a in component and b in component:
                        print(f"    {a} -> {b}   ({example})")
    if bad:
        print(f"{bad} import cycle(s); see scripts/module-cycles.py for what counts")
        return 1
    print(f"no import cycles between sibling modules ({len(crates)} crates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

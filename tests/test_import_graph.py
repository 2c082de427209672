"""The import graph has no cycle, type-only imports included: each layer (and each module
inside one) can be read and tested from the bottom up."""

from __future__ import annotations

import grimp


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """For each direct import a -> b that lies on a cycle, the chain leading back to a."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                found.append((importer, *back))
    return found


def test_finds_a_cycle_when_there_is_one():
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=a, imported=b)
    assert cycles(graph)[0] == ("p.a", "p.b", "p.c", "p.a")
    graph.remove_import(importer="p.c", imported="p.a")
    assert cycles(graph) == []


def test_no_import_cycle_anywhere():
    graph = grimp.build_graph("gateway", "radio", exclude_type_checking_imports=False)
    assert cycles(graph) == []

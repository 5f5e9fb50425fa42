"""Stage 3b, call graph → cycle diagnostics: recursion must go to earlier periods.

A rule may depend on itself (directly or through other rules) only through a call on a
strictly earlier period, ``balance(y - 1)``: then evaluation always ends (the
evaluator bounds the depth too). Any loop made only of same-period or other calls is a
static error, reported once per loop with its path.
"""

from __future__ import annotations

from collections import defaultdict

from .check import CallEdge
from .diagnostics import DiagnosticBag


def check_cycles(edges: list[CallEdge], bag: DiagnosticBag) -> None:
    """Report every loop of calls that does not go through an earlier period."""
    graph: dict[str, list[CallEdge]] = defaultdict(list)
    for edge in edges:
        if edge.step != "earlier":
            graph[edge.caller].append(edge)
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[CallEdge] = []

    def visit(node: str) -> None:
        state[node] = 1
        for edge in sorted(graph.get(node, []), key=lambda e: (e.callee, e.span.line, e.span.column)):
            target = edge.callee
            if state.get(target) == 1:
                start = next(i for i, e in enumerate([*stack, edge]) if e.caller == target)
                loop = [*stack, edge][start:]
                members = frozenset(e.caller for e in loop)
                if members not in reported:
                    reported.add(members)
                    # Start the path at the rule whose call is underlined (the closing edge).
                    ordered = [edge, *loop[:-1]]
                    path = " → ".join([edge.caller] + [e.callee for e in ordered])
                    bag.error(
                        "CPF-E501",
                        f"circular definition: {path}",
                        edge.span,
                        hint="a rule may depend on itself only for an earlier period, e.g. balance(y - 1)",
                    )
            elif target not in state:
                stack.append(edge)
                visit(target)
                stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)

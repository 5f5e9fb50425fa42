"""The path an evaluation took: its steps that can change path, and how a step changed.

Read by the counterfactual search (:mod:`cpf_rules.explain.counterfactual`): a fact's
new value is a counterfactual when the :func:`signature` of the new trace differs from
the base one (an ``if`` took its other arm, an exception started or stopped applying, a
yes/no rule turned, a parameter was read in another version); :func:`describe_change`
says, in French, what changed at the step that makes the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..trace import TraceNode

Signature = dict[tuple[str, ...], tuple[Any, ...]]
Identity = tuple[str, ...]


def steps(trace: TraceNode) -> Iterator[tuple[TraceNode, Identity, Identity | None]]:
    """Each step of a trace that can change path, once, in trace order (pre-order): the
    node, its identity and the identity of the nearest step around it.

    A rule is known by its call (``balance(2024)``); an exception by its rule and name; a
    parameter by the step that reads it, its name and its rank among that step's reads of
    it, not by the date it is read on: a date fact used as the reading date moves that
    date without changing the path unless another value takes effect (its ``detail``).
    """
    seen: set[int] = set()
    stack: list[tuple[TraceNode, str, Identity | None, int]] = [(trace, "", None, 0)]
    while stack:
        node, parent_key, enclosing, rank = stack.pop()
        # A memoised rule met again is one step (its subtree once). A parameter's step is
        # one node shared by every read on that date in the compiled evaluator, a node
        # per read in the interpreter: not deduplicated, as the renderers do not.
        if node.kind == "rule":
            if id(node) in seen:
                continue
            seen.add(id(node))
        identity: Identity | None = None
        if node.kind == "rule":
            identity = ("rule", node.key)
        elif node.kind == "exception":
            identity = ("exception", parent_key, node.name)
        elif node.kind == "parameter":
            identity = ("parameter", parent_key, node.name, str(rank))
        if identity is not None:
            yield node, identity, enclosing
        inner = identity or enclosing
        child_parent = node.key if node.kind == "rule" else parent_key
        ranks: dict[str, int] = {}
        children: list[tuple[TraceNode, str, Identity | None, int]] = []
        for child in node.children:
            child_rank = ranks.get(child.name, 0) if child.kind == "parameter" else 0
            if child.kind == "parameter":
                ranks[child.name] = child_rank + 1
            children.append((child, child_parent, inner, child_rank))
        stack.extend(reversed(children))


def signature(trace: TraceNode) -> tuple[Signature, list[Identity]]:
    """The path of an evaluation: each step's branch, decisions, exceptions, the value of
    each yes/no rule, and the version of each parameter read (the date it took effect).

    Returns the outcomes by step identity and the identities in trace order.
    """
    outcomes: Signature = {}
    order: list[Identity] = []
    for node, identity, _ in steps(trace):
        if identity in outcomes:
            continue
        outcome: tuple[Any, ...]
        if node.kind == "rule":
            outcome = tuple(d.taken for d in node.decisions)  # the branch follows the exceptions
            if node.type.kind == "boolean":  # a yes/no rule is a decision of its own
                outcome = (node.value, *outcome)
        elif node.kind == "exception":
            outcome = (node.applies, *(d.taken for d in node.decisions))
        else:
            outcome = (node.detail,)
        outcomes[identity] = outcome
        order.append(identity)
    return outcomes, order


def parents(trace: TraceNode) -> dict[Identity, Identity | None]:
    """The nearest enclosing step of each step, where it is first read."""
    parents: dict[Identity, Identity | None] = {}
    for _, identity, enclosing in steps(trace):
        parents.setdefault(identity, enclosing)
    return parents


def find_step(trace: TraceNode, identity: Identity) -> TraceNode | None:
    """The first step of ``trace`` with that identity, if any."""
    return next((node for node, found, _ in steps(trace) if found == identity), None)


def describe_change(old: TraceNode | None, new: TraceNode | None) -> tuple[str, str | None, bool | None]:
    """What changed at a step, in French, with the condition and its new outcome."""
    node = new or old
    assert node is not None
    if node.kind == "exception":
        verdict = "s'applique" if node.applies else "ne s'applique pas"
        return f"exception {node.name} : {verdict}", node.name, bool(node.applies)
    if node.kind == "parameter":
        return f"{node.key} : valeur en vigueur depuis le {node.detail}", None, None
    if old is not None and new is not None:
        if node.type.kind == "boolean" and old.value != new.value:  # a yes/no rule that turns
            return f"{node.key} → {'oui' if new.value else 'non'}", node.key, bool(new.value)
        for before, after in zip(old.decisions, new.decisions, strict=False):
            if before.taken != after.taken:
                return f"si {after.condition} → {'oui' if after.taken else 'non'}", after.condition, after.taken
        if old.branch != new.branch:
            return f"branche : {new.branch}", None, None
    if new is not None and new.decisions:
        decision = new.decisions[0]
        return f"si {decision.condition} → {'oui' if decision.taken else 'non'}", decision.condition, decision.taken
    return "chemin d'évaluation modifié", None, None

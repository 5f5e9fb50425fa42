"""Stage 5, compiled (runtime): one holder's evaluation running the compiled closures.

:class:`CompiledEvaluation` is an :class:`~cpf_rules.evaluate.Evaluation` whose
``eval`` runs the closures :mod:`cpf_rules.compiled` built from the checked model. Rule
calls, exceptions, inputs and the trace frames follow the interpreter's code step for
step, with what does not depend on the holder computed once (types, labels, strings,
the compiled form of each rule), so values, traces, warnings, errors and step counts
are the interpreter's (tests/test_compiled.py). Two holder-independent results are
shared across evaluations: article versions cited on a date, and the trace node of a
parameter read on a date (trace nodes are never mutated).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from . import ast
from .diagnostics import Span
from .evaluate import Evaluation
from .evaluation_errors import MISSING
from .facts import Facts
from .limits import MAX_DEPTH, MAX_NESTING, NESTING_WATCH
from .periods import period_date, period_text
from .trace import CitedVersion, FlagNote, Frame, TraceNode
from .types import BOOLEAN

if TYPE_CHECKING:
    from .compiled import CompiledRuleSet, _ExceptionInfo, _RuleInfo

_YEARS: dict[int, tuple[datetime.date, str]] = {}
"""Each year a rule was evaluated for: its 1 January (the date its citations are read
on) and its text in the trace, built once per process."""


def year_of_period(period: int) -> tuple[datetime.date, str] | None:
    """1 January of the year ``period`` and its text; None outside the calendar."""
    known = _YEARS.get(period)
    if known is None:
        if not datetime.MINYEAR <= period <= datetime.MAXYEAR:
            return None
        known = _YEARS.setdefault(period, (datetime.date(period, 1, 1), str(period)))
    return known


class CompiledEvaluation(Evaluation):
    """An :class:`Evaluation` that runs compiled closures instead of walking the tree."""

    def __init__(
        self, compiled: CompiledRuleSet, facts: Facts, as_of: datetime.date, with_trace: bool, **options: Any
    ) -> None:
        super().__init__(compiled.model, facts, as_of, with_trace, **options)
        self.compiled = compiled
        self._code = compiled.code
        self._rule_info = compiled.rule_info
        self._active_keys: set[tuple[str, Any]] = set()

    def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Any:
        code = self._code.get(id(expr))
        if code is None:  # inside a construct left to the interpreter
            return Evaluation.eval(self, expr, env)
        return code(self, env)

    def _cite(self, citations: tuple[ast.Citation, ...], on: datetime.date) -> tuple[CitedVersion, ...]:
        key = (id(citations), on)
        cached = self.compiled.citations.get(key)
        if cached is None:
            saved, self.version_gaps = self.version_gaps, {}
            try:
                cited = super()._cite(citations, on)
                cached = (cited, tuple(self.version_gaps.items()))
            finally:
                self.version_gaps = saved
            self.compiled.citations[key] = cached
        for gap, span in cached[1]:
            self.version_gaps.setdefault(gap, span)
        return cached[0]

    def _parameter(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any:
        cached = self.compiled.parameter_nodes.get((parameter.name, on))
        if cached is None:
            return self._first_parameter_read(parameter, on, span)
        self._parameter_read(cached)
        self.frames[-1].children.append(cached[1])
        return cached[0]

    def _first_parameter_read(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any:
        """First read of this parameter on this date in this process: the interpreter's own
        code, with all its effects (it raises Undefined when there is no value); its step
        is kept for the next reads."""
        value = Evaluation._parameter(self, parameter, on, span)
        chosen = [dated for dated in parameter.values if dated.start <= on][-1]
        node = self.frames[-1].children[-1]
        reached_key = f"value:{parameter.name}@{chosen.start.isoformat()}"
        self.compiled.parameter_nodes[(parameter.name, on)] = (value, node, reached_key, (id(chosen.citations), on))
        return value

    def _parameter_read(self, cached: tuple[Any, TraceNode, str, tuple[int, datetime.date]]) -> None:
        """What a parameter read leaves besides its step: coverage, flags, missing versions."""
        _, node, reached_key, citations_key = cached
        self.reached.add(reached_key)
        if node.flags:
            self._note_flags(node.flags)
        for gap, gap_span in self.compiled.citations.get(citations_key, ((), ()))[1]:
            self.version_gaps.setdefault(gap, gap_span)

    # The three methods below are the interpreter's call_rule, _rule_value and _input
    # with what does not depend on the holder computed once (types, labels, strings).
    def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any:
        key = (rule.name, period)
        cached = self.memo.get(key)
        frames = self.frames
        if cached is not None:
            frames[-1].children.append(cached[1])
            return cached[0]
        info = self._rule_info.get(rule.name) or self.compiled.compile_rule(rule)
        year = _YEARS.get(period)  # a year met before (None for a date, no period, a new year)
        if year is None and type(period) is int:
            year = year_of_period(period)
            if year is None:
                return super().call_rule(rule, period, call_span)  # raises CPF-R008
        active, active_keys = self.active, self._active_keys
        depth = len(active)
        if key in active_keys or (
            depth >= NESTING_WATCH and (depth >= MAX_DEPTH or self.nesting_with(rule.name) > MAX_NESTING)
        ):
            return super().call_rule(rule, period, call_span)  # raises CPF-R004 / R003
        self.reached.add(info.reached)
        active.append(key)
        active_keys.add(key)
        frame = Frame()
        frames.append(frame)
        if year is not None:
            on, shown = year
        else:
            on = period_date(period, self.as_of)
            shown = period_text(period)  # type: ignore[assignment]
        try:
            env: dict[str, Any] = {info.formal: period} if info.formal is not None else {}
            if info.exceptions:
                value, applied, exception_nodes = self._compiled_rule_value(info, env, on, shown)
            else:
                value, applied, exception_nodes = info.body(self, env), None, None
        finally:
            frames.pop()
            active.pop()
            active_keys.discard(key)
        if info.flags:
            self._note_flags(info.flags)
        children = frame.children
        if applied is None:
            citations = self._cite(rule.citations, on)
            branch = info.default_branch
        else:
            citations, branch = (), applied.branch
        node = TraceNode(
            "rule",
            key[0],
            rule.label,
            shown,
            value,
            info.type,
            rule.span,
            tuple(exception_nodes + children) if exception_nodes else tuple(children),
            citations,
            info.flags,
            tuple(frame.decisions) if frame.decisions else (),
            branch,
        )
        self.memo[key] = (value, node)
        frames[-1].children.append(node)
        return value

    def _compiled_rule_value(
        self, info: _RuleInfo, env: dict[str, Any], on: datetime.date, shown: str | None
    ) -> tuple[Any, _ExceptionInfo | None, list[TraceNode]]:
        applying: list[tuple[_ExceptionInfo, Any]] = []
        nodes: list[TraceNode] = []
        shown_period = shown if info.formal is not None else None
        frames = self.frames
        rule_type = info.type
        for exception in info.exceptions:
            frame = Frame()
            frames.append(frame)
            try:
                holds = exception.condition(self, env)
                value = exception.body(self, env) if holds else None
            finally:
                frames.pop()
            decl = exception.decl
            if holds:
                applying.append((exception, value))
                self.reached.add(exception.reached)
                if exception.flags:
                    self._note_flags(exception.flags)
            nodes.append(
                TraceNode(
                    "exception",
                    decl.name,
                    decl.label,
                    shown_period,
                    value if holds else False,
                    rule_type if holds else BOOLEAN,
                    decl.span,
                    tuple(frame.children),
                    self._cite(decl.citations, on),
                    exception.flags if holds else (),
                    tuple(frame.decisions) if frame.decisions else (),
                    None,
                    bool(holds),
                )
            )
        if len(applying) > 1:
            raise self._exception_conflict(info.name, [e.decl for e, _ in applying])
        if applying:
            exception, value = applying[0]
            return value, exception, nodes
        return info.body(self, env), None, nodes

    def _input(self, decl: ast.InputDecl, year: int | None, span: Span) -> Any:
        info = self.compiled.input_info.get(decl.name)
        if info is None:
            return super()._input(decl, year, span)
        name = decl.name
        if info.yearly:
            entry = self.facts.years.get(year)  # type: ignore[arg-type]
            present = entry is not None and name in entry
            value = entry[name] if present else MISSING  # type: ignore[index]
            period: str | None = str(year)
        else:
            section = self.facts.sections.get(info.section, {})
            present = name in section
            value = section[name] if present else MISSING
            period = None
        if present:
            if info.yearly:
                detail: str = f"$.years[{self.facts.year_positions.get(year)}].{name}"  # type: ignore[arg-type]
            else:
                detail = info.path
        elif info.has_default:
            value = info.default
            detail = "default"
        elif decl.optional:
            detail = "absent"
        else:
            return super()._input(decl, year, span)  # raises CPF-R005
        if self.with_trace:
            self.frames[-1].children.append(
                TraceNode(
                    kind="input",
                    name=name,
                    label=decl.label,
                    period=period,
                    value=value,
                    type=info.type,
                    span=decl.span,
                    detail=detail,
                )
            )
        return value

    def _flags(self, flags: tuple[ast.Flag, ...]) -> tuple[FlagNote, ...]:
        if not flags:
            return ()
        return super()._flags(flags)

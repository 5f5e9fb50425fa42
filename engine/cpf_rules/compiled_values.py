"""Stage 5, compiled (runtime without trace): one holder's values, warnings and coverage.

``evaluate(..., trace=False)`` (``cpf evaluate --no-trace``, ``cpf reform``, the
scalar fallback of ``cpf batch``, the HTTP API without ``trace``) reads the values
only. :class:`CompiledValueEvaluation` runs the same closures as
:class:`~cpf_rules.compiled_evaluation.CompiledEvaluation` but builds no trace step
below the question: no frame, no node and no citation tuple per rule, exception or
parameter. What a result carries besides its trace is kept exactly: the values, the
errors (same codes, spans and step counts: the closures count their steps as in a
traced evaluation), the warnings (flags met, article versions missing from
legal_refs/) and the coverage (``reached``). The question's own step is built, without
children, and is what ``evaluate(..., trace=False)`` returns as an answer's trace.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from . import ast
from .compiled_evaluation import _YEARS, CompiledEvaluation, year_of_period
from .diagnostics import Span
from .evaluate import Evaluation
from .limits import MAX_DEPTH, MAX_NESTING, NESTING_WATCH
from .periods import period_date, period_text
from .trace import TraceNode

if TYPE_CHECKING:
    from .compiled import _RuleInfo


class CompiledValueEvaluation(CompiledEvaluation):
    """A :class:`CompiledEvaluation` that keeps values, warnings and coverage, not the trace."""

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self._values: dict[tuple[str, Any], tuple[Any, str]] = {}
        """Each (rule, period) evaluated: its value and the branch it took."""

    def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any:
        key = (rule.name, period)
        known = self._values.get(key)
        if known is not None:
            if not self.active:  # asked as a question: its step, without children
                self._question_step(rule, period, known[0], known[1])
            return known[0]
        info = self._rule_info.get(rule.name) or self.compiled.compile_rule(rule)
        year = _YEARS.get(period)  # a year met before (None for a date, no period, a new year)
        if year is None and type(period) is int:
            year = year_of_period(period)
            if year is None:
                return Evaluation.call_rule(self, rule, period, call_span)  # raises CPF-R008
        depth = len(self.active)
        if key in self._active_keys or (
            depth >= NESTING_WATCH and (depth >= MAX_DEPTH or self.nesting_with(rule.name) > MAX_NESTING)
        ):
            return Evaluation.call_rule(self, rule, period, call_span)  # raises CPF-R004 / R003
        self.reached.add(info.reached)
        self.active.append(key)
        self._active_keys.add(key)
        on = year[0] if year is not None else period_date(period, self.as_of)
        try:
            env: dict[str, Any] = {info.formal: period} if info.formal is not None else {}
            value, branch = self._value_of(info, env, on) if info.exceptions else (info.body(self, env), None)
        finally:
            self.active.pop()
            self._active_keys.discard(key)
        if branch is None:
            branch = info.default_branch
            if info.may_lack_a_version:  # the interpreter cites the rule's articles here
                self._cite(rule.citations, on)  # for the versions legal_refs/ lacks (CPF-W603)
        if info.flags:
            self._note_flags(info.flags)
        self._values[key] = (value, branch)
        if not self.active:
            self._question_step(rule, period, value, branch)
        return value

    def _value_of(self, info: _RuleInfo, env: dict[str, Any], on: datetime.date) -> tuple[Any, str | None]:
        """The exceptions considered as the interpreter considers them (every condition,
        a conflict when two apply), then the default if none applies."""
        applying: list[tuple[Any, Any]] = []
        for exception in info.exceptions:
            holds = exception.condition(self, env)
            value = exception.body(self, env) if holds else None
            if exception.may_lack_a_version:  # cited here by the interpreter
                self._cite(exception.decl.citations, on)
            if holds:
                applying.append((exception, value))
                self.reached.add(exception.reached)
                if exception.flags:
                    self._note_flags(exception.flags)
        if len(applying) > 1:
            raise self._exception_conflict(info.name, [e.decl for e, _ in applying])
        if applying:
            exception, value = applying[0]
            return value, exception.branch
        return info.body(self, env), None

    def _question_step(self, rule: ast.RuleDecl, period: Any, value: Any, branch: str) -> None:
        info = self._rule_info[rule.name]
        self.frames[-1].children.append(
            TraceNode("rule", rule.name, rule.label, period_text(period), value, info.type, rule.span, branch=branch)
        )

    def _parameter(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any:
        if not self.active:  # asked as a question: its step, as traced
            return super()._parameter(parameter, on, span)
        cached = self.compiled.parameter_nodes.get((parameter.name, on))
        if cached is None:
            children = self.frames[-1].children
            mark = len(children)
            value = self._first_parameter_read(parameter, on, span)
            del children[mark:]  # its step, kept for traced evaluations
            return value
        self._parameter_read(cached)
        return cached[0]

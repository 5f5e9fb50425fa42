"""A what-if value ``none`` ends a parameter from its date, as ``= none`` in a rule file.

An analyst costing "the 2020 extension of the DIF deadline is not adopted" (loi
2020-1379 pushed the deadline to 30 June 2021) overrides the deadline with ``none`` from
2020-11-15: a DIF entered on 2021-01-10 is then read against no deadline, which the rule
catches with ``otherwise false`` (ord. 2019-861 / loi 2020-1379: the DIF hours are lost).
Asked directly after that date, the parameter has no value: CPF-R001, which says a
what-if ended it.
"""

from __future__ import annotations

import datetime

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.diagnostics import CpfError
from cpf_rules.whatif import Override, apply_overrides

AS_OF = datetime.date(2026, 1, 1)
FACTS = {"holder": {"dif_hours": 100, "dif_registered_on": "2021-01-10"}}
NOT_EXTENDED = Override("dif_registration_deadline", datetime.date(2020, 11, 15), "none")


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("trace", [False, True])
def test_a_deadline_ended_by_a_what_if_loses_the_dif_hours_loi_2020_1379(compiled: bool, trace: bool) -> None:
    law = load_rules()
    counted = evaluate(law, FACTS, ["dif_hours_counted"], as_of=AS_OF, compiled=compiled, trace=trace)
    assert counted.answers[0].value == 100  # entered before 30/06/2021 (loi 2020-1379)
    reform = apply_overrides(law, [NOT_EXTENDED])
    questions = ["dif_hours_counted", "dif_registration_deadline(2021-01-10)", "dif_registration_deadline(2020-05-01)"]
    lost, deadline, before = evaluate(reform, FACTS, questions, as_of=AS_OF, compiled=compiled, trace=trace).answers
    assert lost.value == 0
    assert deadline.error is not None and deadline.error.code == "CPF-R001"
    assert deadline.error.message == (
        "parameter `dif_registration_deadline` has no value on 2021-01-10 (ended on 2020-11-15 by a what-if)"
    )
    assert before.value == datetime.date(2020, 12, 31)  # ord. 2019-861, before the override


def test_a_word_other_than_none_is_refused_with_a_hint_naming_none() -> None:
    law = load_rules()
    with pytest.raises(CpfError) as refused:
        apply_overrides(law, [Override("dif_registration_deadline", datetime.date(2020, 11, 15), "nothing")])
    [diagnostic] = refused.value.diagnostics
    assert diagnostic.code == "CPF-E205" and "must be a constant" in diagnostic.message
    assert diagnostic.hint is not None and "`none` to end the parameter from that date" in diagnostic.hint

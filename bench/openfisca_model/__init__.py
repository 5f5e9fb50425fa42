"""A minimal OpenFisca model of the benchmark workload (bench/workload.py), for comparison only.

One entity (Person), yearly inputs ``worked_hours`` and ``low_qualified``, an input
``dif_hours``, and the recursive ``cpf_balance``: the DIF hours converted at 15 €/h
before 2019, then each year the credit (500 € or 800 €, prorated below half-time and
rounded up to the cent, limited by the 5,000 €/8,000 € ceiling). Money is float64, as
OpenFisca computes it. Runs in the separate bench venv (``pip install openfisca-core``),
never in the project's dependencies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import ETERNITY, YEAR
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Person = build_entity(key="person", plural="persons", label="Titulaire du CPF", is_person=True)


class worked_hours(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Heures travaillées dans l'année"


class low_qualified(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "Salarié peu qualifié (depuis 2019)"


class dif_hours(Variable):
    value_type = float
    entity = Person
    definition_period = ETERNITY
    label = "Heures de DIF inscrites à temps"


class cpf_credit(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Alimentation de l'année"

    def formula_2019(person, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).cpf
        hours = np.minimum(person("worked_hours", period), p.legal_hours)
        lq = person("low_qualified", period)
        prorated = np.ceil(p.annual_amount * hours / p.legal_hours * 100) / 100
        due = np.where(2 * hours >= p.legal_hours, np.where(lq, p.low_qualified_amount, p.annual_amount), prorated)
        ceiling = np.where(lq, p.low_qualified_ceiling, p.ceiling)
        before = person("cpf_balance", period.last_year)
        return np.minimum(due, np.maximum(ceiling - before, 0))


class cpf_balance(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Droits inscrits au 31 décembre"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        if period.start.year < 2019:
            return person("dif_hours", period) * parameters("2019-01-01").cpf.hours_to_euros
        return person("cpf_balance", period.last_year) + person("cpf_credit", period)


class CpfTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Person])
        self.add_variables(worked_hours, low_qualified, dif_hours, cpf_credit, cpf_balance)
        self.load_parameters(str(Path(__file__).parent / "parameters"))

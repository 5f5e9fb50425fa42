"""The fixed words of the explanation renderers, in French (default) and English.

Labels of rules, parameters and inputs come from the rule files (French); only the
words the renderers add ("règle par défaut", "non applicable", "version en vigueur
depuis le …") are translated here. ``words(lang)`` gives the table; an unknown
language is a programming error (the CLI only offers ``fr`` and ``en``).
"""

from __future__ import annotations

import datetime
from types import MappingProxyType
from typing import Final

LANGUAGES: Final = ("fr", "en")

_FR: Final = {
    "title": "Explication du calcul des droits CPF",
    "summary": "Résultat",
    "as_of_year": "au 31/12/{year}",
    "as_of_date": "au {date}",
    "error": "erreur",
    "provenance": "Provenance",
    "rules_fingerprint": "Empreinte des règles",
    "engine_version": "Version du moteur",
    "facts_sha256": "Empreinte des faits (SHA-256)",
    "as_of": "Date de citation des règles sans période",
    "replay": "Commande pour rejouer",
    "warnings": "Avertissements",
    "trace": "Détail du calcul, article par article",
    "expand_all": "Tout déplier",
    "collapse_all": "Tout replier",
    "rule_default": "règle par défaut",
    "rule_exception": "exception appliquée : {name}",
    "exception": "exception",
    "applies": "s'applique",
    "not_applies": "ne s'applique pas",
    "not_applicable": "non applicable",
    "parameter_since": "paramètre, valeur en vigueur depuis le {date}",
    "input_path": "donnée lue : {path}",
    "input_default": "donnée absente des faits, valeur par défaut",
    "input_absent": "donnée absente des faits",
    "let": "soit",
    "aggregate": "{selected} élément(s) retenu(s) sur {total}",
    "if": "si",
    "else_arm": "sinon",
    "then_arm": "alors",
    "yes": "oui",
    "no": "non",
    "inputs_read": "Données lues",
    "parameters_read": "Paramètres",
    "citations": "Articles",
    "source": "Source",
    "shown_above": "détaillé plus haut",
    "see_step": "voir l'étape",
    "in_force_since": "version en vigueur depuis le {start}",
    "in_force_between": "version en vigueur du {start} au {end}",
    "not_yet": "pas encore en vigueur le {date}",
    "ended": "plus en vigueur le {date}",
    "gap": "aucune version en vigueur le {date} dans legal_refs/",
    "official_text": "Texte consulté (Légifrance ou la copie lue, voir la fiabilité)",
    "wording": "Texte de l'article",
    "wording_summary": "Résumé de l'article (texte non reproduit)",
    "confidence": "Fiabilité",
    "note": "Note",
    "uncertain": "incertain",
    "interpretation": "interprétation",
    "what-if": "hypothèse (what-if)",
    "counterfactuals": "Ce qui changerait le résultat",
    "no_counterfactual": "Aucune modification d'une seule donnée dans les bornes explorées ne change le résultat.",
    "generated_by": "Produit par cpf-rules {version}",
    "diff_title": "Comparaison de deux jeux de règles",
    "old": "avant",
    "new": "après",
    "changed_steps": "Étapes dont la valeur change",
    "changed_parameters": "Paramètres modifiés",
    "changed_rules": "Règles modifiées",
    "no_change": "Aucune étape ne change de valeur.",
    "step": "Étape",
    "label": "Libellé",
    "articles": "Articles",
    "delta": "Écart",
}

_EN: Final = {
    "title": "Explanation of a CPF entitlement computation",
    "summary": "Result",
    "as_of_year": "at 31/12/{year}",
    "as_of_date": "on {date}",
    "error": "error",
    "provenance": "Provenance",
    "rules_fingerprint": "Rule-set fingerprint",
    "engine_version": "Engine version",
    "facts_sha256": "Facts hash (SHA-256)",
    "as_of": "Date citing rules without a period",
    "replay": "Command that replays it",
    "warnings": "Warnings",
    "trace": "How it was computed, article by article",
    "expand_all": "Expand all",
    "collapse_all": "Collapse all",
    "rule_default": "default rule",
    "rule_exception": "exception applied: {name}",
    "exception": "exception",
    "applies": "applies",
    "not_applies": "does not apply",
    "not_applicable": "not applicable",
    "parameter_since": "parameter, value in force since {date}",
    "input_path": "fact read: {path}",
    "input_default": "fact absent, default value",
    "input_absent": "fact absent",
    "let": "let",
    "aggregate": "{selected} item(s) selected out of {total}",
    "if": "if",
    "else_arm": "else",
    "then_arm": "then",
    "yes": "yes",
    "no": "no",
    "inputs_read": "Facts read",
    "parameters_read": "Parameters",
    "citations": "Articles",
    "source": "Source",
    "shown_above": "detailed above",
    "see_step": "see step",
    "in_force_since": "version in force since {start}",
    "in_force_between": "version in force from {start} to {end}",
    "not_yet": "not yet in force on {date}",
    "ended": "no longer in force on {date}",
    "gap": "no version in force on {date} in legal_refs/",
    "official_text": "Text read (Légifrance or the copy that was read, see the confidence)",
    "wording": "Wording of the article",
    "wording_summary": "Summary of the article (wording not reproduced)",
    "confidence": "Confidence",
    "note": "Note",
    "uncertain": "uncertain",
    "interpretation": "interpretation",
    "what-if": "what-if",
    "counterfactuals": "What would change the result",
    "no_counterfactual": "No change of a single fact within the explored bounds changes the result.",
    "generated_by": "Produced by cpf-rules {version}",
    "diff_title": "Comparison of two rule sets",
    "old": "before",
    "new": "after",
    "changed_steps": "Steps whose value changes",
    "changed_parameters": "Changed parameters",
    "changed_rules": "Changed rules",
    "no_change": "No step changes value.",
    "step": "Step",
    "label": "Label",
    "articles": "Articles",
    "delta": "Difference",
}

_TABLES: Final = {"fr": MappingProxyType(_FR), "en": MappingProxyType(_EN)}
assert set(_FR) == set(_EN), "every word needs both languages"


def words(lang: str) -> MappingProxyType[str, str]:
    """The table of fixed words for ``lang`` (``fr`` or ``en``)."""
    return _TABLES[lang]


def day(value: datetime.date | str | None) -> str:
    """A date as the French (and British) write it: ``31/12/2024``; ``…`` when unknown."""
    if value is None or value == "":
        return "…"
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")

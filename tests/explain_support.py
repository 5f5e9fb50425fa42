"""Shared helpers of the explanation tests: the bundled examples and a hostile rule set."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

from cpf_rules.paths import default_legal_refs_dir, default_rules_dir

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = datetime.date(2026, 1, 1)

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>&amp; \\\"quoted\\\" 'single'"
"""A label as a rule file writes it (backslash escapes inside the double-quoted string)."""
HOSTILE_SHOWN = "<img src=x onerror=alert(1)><script>alert(2)</script>&amp; \"quoted\" 'single'"


def hostile_rules(tmp: Path) -> Path:
    """A copy of the bundled rules whose credit label and L6323-11 title are hostile HTML."""
    rules = tmp / "rules"
    shutil.copytree(default_rules_dir(), rules)
    shutil.copytree(default_legal_refs_dir(), tmp / "legal_refs")
    euro = rules / "accrual" / "employee" / "euro_era.cpf"
    text = euro.read_text(encoding="utf-8")
    assert '"Droits acquis au titre de l\'année"' in text
    euro.write_text(text.replace('"Droits acquis au titre de l\'année"', f'"{HOSTILE}"'), encoding="utf-8")
    article = tmp / "legal_refs" / "CT" / "L6323-11.yaml"
    yaml_text = article.read_text(encoding="utf-8")
    title = 'title: "Alimentation annuelle du compte personnel de formation du salarié"'
    assert title in yaml_text
    article.write_text(yaml_text.replace(title, "title: '<b onmouseover=alert(3)>titre</b>'"), encoding="utf-8")
    return rules

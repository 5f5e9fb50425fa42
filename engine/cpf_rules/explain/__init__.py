"""Explanations for auditors, above the public API: reports, counterfactuals, diffs.

- :mod:`.report`: ``cpf explain`` — a result with its summary, trace and
  counterfactuals, rendered as text, JSON or a self-contained HTML page;
- :mod:`.counterfactual`: the smallest change of one fact that changes a result, found
  by evaluating the rules again (exact fractions, bounded search), with the article
  whose condition makes the difference; :mod:`.probe` lists the facts a trace read
  and evaluates the rules again with one of them changed;
- :mod:`.diff`: the same facts under two rule sets (directories, git revisions, or a
  reform file of parameter overrides), as an aligned report of the steps that change;
  :mod:`.diff_report` renders it as text, JSON or HTML.
"""

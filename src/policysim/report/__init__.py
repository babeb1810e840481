"""Reports: parameterized notebooks run with papermill, their figures and their verdicts.

The notebooks in ``notebooks/`` stay thin: a ``parameters`` cell, one call to
:func:`policysim.report.params.check`, calls into this package, and the display of tables
and figures. ``policysim report`` (:mod:`policysim.cli_report`) runs one with papermill and
exports it to HTML (:mod:`policysim.report.render`).

Modules: ``params`` (the parameters each notebook accepts), ``data`` (scenario -> results
tables), ``verdict`` (plain-language verdicts and headline tables), ``plots/`` (every figure:
``common`` shared, then one module per notebook or theme), ``switch`` (policy-switch
preview), ``sensitivity`` (effects across a sweep), ``validation`` (Erlang-A/C over loads),
``claims`` (the field claims table of :mod:`policysim.experiment.claims`), ``render``
(papermill + HTML). Plotting lives in this package only.
"""

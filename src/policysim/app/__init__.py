"""``policysim app``: a local what-if page for managers (Panel; the ``app`` extra).

The top layer beside the command line: it may use everything below it (config, experiment,
results, report) and nothing imports it. See docs/app.md.
"""

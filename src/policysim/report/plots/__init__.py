"""Report figures: tidy DataFrames in, a matplotlib ``Figure`` out, one function per figure.

``common`` holds what every figure shares (size, style, scheme colours, :func:`show`, the
95% bands and time bins); the other modules hold the figures of one notebook or theme:
``scenario`` (the scenario report), ``compare`` (paired changes from the baseline),
``switch`` (policy-switch preview), ``sensitivity`` (main effects and Sobol / Morris
indices), ``validation`` (Erlang-A/C) and ``claims`` (field claims). Plotting lives in this
package only.
"""

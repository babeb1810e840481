"""Calibration: fit a scenario to a store's own records (chats, roster, payroll).

Layer: experiment (imports config, model, results; never report or cli). ``tables`` reads
and repairs the records, ``demand``, ``service`` and ``workforce`` estimate each part of
the model, ``scenario`` assembles and writes the calibrated scenario.
"""

"""A corpus of bad inputs (issue 7): every mistake a user can make in a scenario file or on the
command line ends as one located message and exit code 2, with no traceback.

Each row of ``CORPUS`` is ``(name, file text, extra argv, expected fragments)``:

- the file text is written to ``scenario.yaml`` (bytes as they are); ``None`` means the file
  does not exist (its directory neither), ``DIRECTORY`` that the path is a directory;
- the extra argv follows ``<command> <file> --workers 1``;
- ``{f}`` in a fragment stands for the file's path. Where the problem has a line the fragment
  is ``{f}:LINE: dotted.key`` (the location), where it came from ``--set`` it starts with
  ``--set key=value``; flag errors are click usage errors naming the flag.

Every row runs through both ``run`` and ``compare``: both load the scenario the same way, and
none of these inputs gets as far as simulating. tests/cli/test_cli.py already covers a few
basic cases through ``run`` only (a missing file, ``a: [1, 2``, a list, ``sim.bogus``, a
non-numeric, NaN or negative ``daily_volume``, a duplicate top-level key, ``--days 0``...);
the rows here are other inputs of each kind.

The rows under "inputs YAML itself accepts" (impossible calendar dates, integers longer
than Python parses, deep nesting) and the merge-key test escaped as internal errors (exit 1)
when this corpus was written; they are regression tests now. ``KNOWN_BUGS`` at the end were
found later and are regression tests too (explicit core tags with wrong values, huge hex
literals, ``!!str``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policysim.cli import main
from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.errors import ConfigError

DIRECTORY = object()  # sentinel: the scenario path is a directory

from store_fixtures import OK  # a valid tiny scenario

H24 = ", ".join(["0"] * 24)

CORPUS: list[tuple[str, object, list[str], list[str]]] = [
    # ---- the file itself ------------------------------------------------------------------
    ("missing_file_in_missing_dir", None, [],
     ["{f}: expected an existing YAML file, found no such file"]),
    ("directory", DIRECTORY, [], ["{f}: expected a YAML file, found a directory"]),
    ("empty_comments_only", "# nothing here yet\n\n   \n", [],
     ["{f}: expected a mapping of keys at the top level, found an empty file"]),
    ("empty_document_markers", "---\n...\n", [],
     ["{f}: expected a mapping of keys at the top level, found an empty document"]),
    ("not_yaml_bad_indent", "name: x\n  sim: 1\n", [], ["{f}:2: expected valid YAML"]),
    ("not_yaml_unclosed_quote", 'name: "x\nsim: {days: 1}\n', [], ["{f}:", "valid YAML"]),
    ("not_yaml_tab_indent", "sim:\n\tdays: 1\n", [], ["{f}:2: expected valid YAML", "'\\t'"]),
    ("not_yaml_unclosed_mapping", "sim: {days: 1\nname: x\n", [], ["{f}:", "valid YAML"]),
    ("binary_png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", [],
     ["{f}:3: expected a UTF-8 text file, found binary content"]),
    ("latin1_text", b"name: ok\ndescription: caf\xe9\n", [],
     ["{f}:2: expected a UTF-8 text file, found the byte 0xe9"]),
    ("control_character", "name: ok\ndescription: a\x07b\n", [],
     ["{f}:2: expected printable text, found the control character 0x07"]),
    ("not_a_mapping_number", "42\n", [],
     ["{f}:1: expected a mapping of keys at the top level, found the single value 42"]),
    ("not_a_mapping_list_of_maps", "- name: a\n- name: b\n", [],
     ["{f}:1: expected a mapping of keys at the top level, found a list"]),
    ("two_documents", "name: a\n---\nname: b\n", [],
     ["{f}:3: expected a single YAML document, found a second document after '---'"]),
    ("yaml_1_1_directive", "%YAML 1.1\n---\nname: x\n", [],
     ["{f}:1: expected YAML 1.2 (remove the %YAML line), found %YAML 1.1"]),
    # ---- keys -----------------------------------------------------------------------------
    ("unknown_nested_key", "demand:\n  patience:\n    mean_s: 100\n    colour: red\n", [],
     ["{f}:4: demand.patience.colour: expected no unknown keys (allowed: dist, mean_s, cv)",
      "found the key 'colour'"]),
    ("unknown_key_in_list_item", "teams:\n  - name: A\n    agents: 2\n    lead: bob\n", [],
     ["{f}:4: teams.0.lead: expected no unknown keys (allowed: name, agents)"]),
    ("misspelt_top_level_key", "sim:\n  days: 2\nshift:\n  - {name: a, start: 8, end: 16}\n", [],
     ["{f}:3: shift: expected no unknown keys", "shifts", "found the key 'shift'"]),
    ("non_string_key", "sim:\n  days: 1\ntrue: 1\n", [],
     ["{f}:3: true: expected keys written as text", "found the key true (bool)"]),
    ("duplicate_key_in_flow_mapping", "teams:\n  - {name: A, agents: 1, agents: 2}\n", [],
     ["{f}:2: teams.0.agents: expected each key once, found 'agents' again (first on line 2)"]),
    ("duplicate_scheme_name",
     "schemes:\n  a: {base_salary: 1}\n  b: {base_salary: 2}\n  a: {base_salary: 3}\n", [],
     ["{f}:4: schemes.a: expected each key once, found 'a' again (first on line 2)"]),
    # ---- wrong types ----------------------------------------------------------------------
    ("agents_as_word", "teams:\n  - {name: A, agents: three}\n", [],
     ["{f}:2: teams.0.agents: expected a whole number, found 'three' (str)"]),
    ("days_fractional", "sim:\n  days: 2.5\n", [],
     ["{f}:2: sim.days: expected a whole number, found 2.5 (float)"]),
    ("bool_as_word", "agents:\n  learning: maybe\n", [],
     ["{f}:2: agents.learning: expected true or false, found 'maybe' (str)"]),
    ("list_for_mapping", "demand:\n  patience: [exponential, 180]\n", [],
     ["{f}:2: demand.patience: expected a mapping"]),
    ("mapping_for_list", "shifts:\n  name: early\n  start: 8\n", [],
     ["{f}:1: shifts: expected a list"]),
    # a float beyond 64 bits where a whole number goes (pydantic's int_parsing_size)
    ("days_beyond_64_bits", "sim:\n  days: 1e19\n", [],
     ["{f}:2: sim.days: expected a whole number below 2^63, found 1e+19 (float)"]),
    # pydantic reads true/false as 1/0 where a number goes: a team of `true` agents ran as 1
    ("bool_where_whole_number", "teams:\n  - {name: A, agents: true}\n", [],
     ["{f}:2: teams.0.agents: expected a whole number, found True (bool)"]),
    ("bool_in_number_list", "demand:\n  catalogue: {prices: [59, false], weights: [1, 1]}\n",
     [], ["{f}:2: demand.catalogue.prices.1: expected a number, found False (bool)"]),
    ("set_bool_where_number", OK, ["--set", "demand.daily_volume=true"],
     ["--set demand.daily_volume=true: demand.daily_volume: expected a number, found True "
      "(bool)"]),
    ("date_as_word", "sim:\n  start_date: tomorrow\n", [],
     ["{f}:2: sim.start_date: expected a date (YYYY-MM-DD), found 'tomorrow' (str)"]),
    ("null_number", "demand:\n  daily_volume:\n", [],
     ["{f}:2: demand.daily_volume: expected a number, found nothing (null)"]),
    ("null_teams", "teams:\n", [], ["{f}:1: teams: expected a list, found nothing (null)"]),
    ("unknown_choice", "demand:\n  patience: {dist: gamma}\n", [],
     ["{f}:2: demand.patience.dist: expected one of 'exponential', 'lognormal', 'infinite'",
      "found 'gamma' (str)"]),
    # a share may be written as a percentage (35% = 0.35), but not one above 100%
    ("percent_above_100", "conversion:\n  gross_margin: 135%\n", [],
     ["{f}:2: conversion.gross_margin: expected a number of at most 1, found '135%' (str)"]),
    ("percent_where_no_share", "demand:\n  daily_volume: 35%\n", [],
     ["{f}:2: demand.daily_volume: expected a number (write 0.35 for 35%), found '35%' (str)"]),
    ("description_list", "description: [a, b]\n", [],
     ["{f}:1: description: expected a string, found ['a', 'b'] (list)"]),
    # ---- NaN and infinity -----------------------------------------------------------------
    ("nan_in_list", "demand:\n  catalogue:\n    prices: [59, .NaN]\n    weights: [1, 1]\n", [],
     ["{f}:3: demand.catalogue.prices.1: expected a finite number, found nan (float)"]),
    ("infinite_mean", "demand:\n  patience: {mean_s: .inf}\n", [],
     ["{f}:2: demand.patience.mean_s: expected a finite number, found inf (float)"]),
    ("minus_infinity", "attrition:\n  b0: -.inf\n", [],
     ["{f}:2: attrition.b0: expected a finite number, found -inf (float)"]),
    ("float_overflow", "demand:\n  daily_volume: 1e999\n", [],
     ["{f}:2: demand.daily_volume: expected a finite number"]),
    # ---- negative or zero rates -----------------------------------------------------------
    ("negative_commission_rate", "schemes:\n  c: {commission: {rate: -0.01}}\n", [],
     ["{f}:2: schemes.c.commission.rate: expected a number of at least 0, found -0.01"]),
    ("zero_patience", "demand:\n  patience: {mean_s: 0}\n", [],
     ["{f}:2: demand.patience.mean_s: expected a number greater than 0, found 0 (int)"]),
    ("zero_handle_time", "service:\n  handle_base_s: 0\n", [],
     ["{f}:2: service.handle_base_s: expected a number greater than 0"]),
    ("unknown_routing_mode", "service:\n  routing:\n    mode: fastest\n", [],
     ["{f}:3: service.routing.mode: expected one of 'sticky', 'weighted', 'least_loaded', "
      "'most_available', 'round_robin', found 'fastest'"]),
    ("rate_table_longer_than_cap",
     "agents: {cap_novice: 2, cap_expert: 3}\nservice:\n  concurrency:\n    per_chat_rate: [1, 0.8, 0.6, 0.5]\n",
     [], ["{f}:4: service.concurrency.per_chat_rate: expected one rate per load 1..3",
          "found 4 rates"]),
    ("zero_per_chat_rate", "service:\n  concurrency:\n    per_chat_rate: [1, 0.8, 0, 0.5, 0.4]\n",
     [], ["{f}:3: service.concurrency.per_chat_rate.2: expected a number greater than 0"]),
    ("negative_hiring_delay", "hiring:\n  delay_days: -3\n", [],
     ["{f}:2: hiring.delay_days: expected a number of at least 0, found -3 (int)"]),
    ("zero_weekday_factor", "demand:\n  weekday_factor: [1, 1, 1, 1, 1, 1, 0]\n", [],
     ["{f}:2: demand.weekday_factor.6: expected a number greater than 0"]),
    ("negative_prize", "schemes:\n  c: {contest: {prize_per_member: -100}}\n", [],
     ["{f}:2: schemes.c.contest.prize_per_member: expected a number of at least 0"]),
    # ---- probabilities outside [0, 1] -----------------------------------------------------
    ("share_above_one", "demand:\n  pre_sales_share: 1.5\n", [],
     ["{f}:2: demand.pre_sales_share: expected a number of at most 1, found 1.5 (float)"]),
    ("probability_negative", "agents:\n  default_transfer: -0.2\n", [],
     ["{f}:2: agents.default_transfer: expected a number of at least 0"]),
    ("probability_in_list", "behaviour:\n  sales_efforts: [0.0, 0.5, 2]\n", [],
     ["{f}:2: behaviour.sales_efforts.2: expected a number of at most 1, found 2 (int)"]),
    ("inertia_percent", "behaviour:\n  inertia: 30\n", [],
     ["{f}:2: behaviour.inertia: expected a number of at most 1, found 30 (int)"]),
    # ---- shares and weights ---------------------------------------------------------------
    ("catalogue_weights_all_zero",
     "demand:\n  catalogue:\n    prices: [59, 99]\n    weights: [0, 0]\n", [],
     ["{f}:4: demand.catalogue.weights: expected at least one weight above 0"]),
    ("catalogue_weights_short",
     "demand:\n  catalogue:\n    prices: [59, 99, 129]\n    weights: [1, 1]\n", [],
     ["{f}:4: demand.catalogue.weights: expected one weight per price (3), found 2"]),
    ("hour_profile_all_zero", f"demand:\n  hour_profile: [{H24}]\n", [],
     ["{f}:2: demand.hour_profile: expected at least one weight above 0"]),
    ("hour_profile_short", "demand:\n  hour_profile: [1, 2, 3]\n", [],
     ["{f}:2: demand.hour_profile: expected 24 hourly weights, found 3"]),
    # weights whose sum overflows made every KPI score NaN (a run with RuntimeWarnings)
    ("kpi_weight_huge",
     "schemes:\n  k:\n    kpi:\n      metrics: {rating: {weight: 1e308, target: 4}}\n", [],
     ["{f}:4: schemes.k.kpi.metrics.rating.weight: expected a number of at most 1e+06, "
      "found 1e+308 (float)"]),
    # routing weights whose product overflows left the router no agent (TypeError, exit 1)
    ("routing_team_weight_huge",
     "service:\n  routing:\n    mode: weighted\n    weights: {teams: {A: 1e308}}\n", [],
     ["{f}:4: service.routing.weights.teams.A: expected a number of at most 1e+06, found "
      "1e+308 (float)"]),
    ("routing_tenure_weight_huge", OK, ["--set", "service.routing.weights.tenure="
                                        "[{from_days: 0, weight: 1e308}]"],
     ["--set service.routing.weights.tenure=[{from_days: 0, weight: 1e308}]: "
      "service.routing.weights.tenure.0.weight: expected a number of at most 1e+06"]),
    ("kpi_weights_all_zero",
     "schemes:\n  k:\n    kpi:\n      metrics: {rating: {weight: 0, target: 4}}\n", [],
     ["{f}:4: schemes.k.kpi.metrics: expected at least one weight above 0"]),
    # ---- tiers ----------------------------------------------------------------------------
    ("tiers_equal_scores",
     ("schemes:\n  k:\n    kpi:\n      metrics: {rating: {weight: 1, target: 4}}\n"
      "      tiers: [{min_score: 80, bonus_base: 2}, {min_score: 80, bonus_base: 1}]\n"), [],
     ["{f}:5: schemes.k.kpi.tiers: expected min_score strictly decreasing", "[80.0, 80.0]"]),
    ("tier_score_above_100",
     ("schemes:\n  k:\n    kpi:\n      metrics: {rating: {weight: 1, target: 4}}\n"
      "      tiers:\n        - {min_score: 120, bonus_base: 2}\n"), [],
     ["{f}:6: schemes.k.kpi.tiers.0.min_score: expected a number of at most 100"]),
    # ---- teams and shifts -----------------------------------------------------------------
    ("team_of_zero_agents", "teams:\n  - {name: A, agents: 1}\n  - {name: B, agents: 0}\n", [],
     ["{f}:3: teams.1.agents: expected a number of at least 1, found 0 (int)"]),
    ("no_teams", "name: x\nteams: []\n", [],
     ["{f}:2: teams: expected at least 1 item(s), found [] (list)"]),
    ("duplicate_team_names", "teams:\n  - {name: A, agents: 1}\n  - {name: A, agents: 2}\n", [],
     ["{f}:1: teams: expected a unique name for each team, found ['A', 'A']"]),
    ("team_too_large", "teams:\n  - {name: A, agents: 5001}\n", [],
     ["{f}:2: teams.0.agents: expected a number of at most 5000"]),
    ("too_many_agents_in_all",
     "teams:\n" + "".join(f"  - {{name: T{i}, agents: 5000}}\n" for i in range(5)), [],
     ["{f}:1: teams: expected at most 20000 agents in all, found 25000"]),
    ("no_shifts", "shifts: []\n", [], ["{f}:1: shifts: expected at least 1 item(s)"]),
    ("shifts_leave_evening_uncovered",
     "shifts:\n  - {name: early, start: '08:00', end: '16:00'}\n", [],
     ["{f}:1: shifts: expected a shift covering every hour with demand",
      "set demand.hour_profile (24 values, 0 where the store is closed) or add a shift "
      "covering them", "found demand but no shift during 16:00-24:00"]),
    ("duplicate_shift_names",
     "shifts:\n  - {name: a, start: '08:00', end: '16:00'}\n"
     "  - {name: a, start: '16:00', end: '24:00'}\n", [],
     ["{f}:1: shifts: expected a unique name for each shift, found ['a', 'a']"]),
    ("overnight_shift", "shifts:\n  - {name: night, start: '22:00', end: '06:00'}\n", [],
     ["{f}:2: shifts.0.end: expected after start (22 h); overnight shifts are split"]),
    ("shift_time_unreadable", "shifts:\n  - {name: a, start: 8h, end: '16:00'}\n", [],
     ["{f}:2: shifts.0.start: expected a time of day 'HH:MM', found '8h'"]),
    ("shift_minutes_60", "shifts:\n  - {name: a, start: '08:60', end: '16:00'}\n", [],
     ["{f}:2: shifts.0.start: expected a time of day 'HH:MM' with minutes below 60, found "
      "'08:60'"]),
    ("shift_after_midnight", "shifts:\n  - {name: a, start: '08:00', end: '25:00'}\n", [],
     ["{f}:2: shifts.0.end: expected a time of day between 00:00 and 24:00, found 25 h"]),
    ("agent_caps_inverted", "agents:\n  cap_novice: 5\n  cap_expert: 3\n", [],
     ["{f}:3: agents.cap_expert: expected at least cap_novice (5), found 3 (int)"]),
    # ---- horizon --------------------------------------------------------------------------
    ("zero_day_horizon", "sim:\n  days: 0\n", [],
     ["{f}:2: sim.days: expected a number of at least 1, found 0 (int)"]),
    ("horizon_too_long", "sim:\n  days: 3651\n", [],
     ["{f}:2: sim.days: expected a number of at most 3650"]),
    ("horizon_too_large_for_memory", "sim:\n  days: 3650\ndemand:\n  daily_volume: 1e7\n", [],
     ["{f}:2: sim.days: expected horizon x volume too large to simulate (~3.65e+10 inquiries)"]),
    ("horizon_too_large_by_event",
     "demand:\n  daily_volume: 5e6\n  events:\n    - {name: x, date: 2026-01-01, multiplier: 1000}\n",
     [], ["{f}: sim.days: expected horizon x volume too large to simulate"]),
    ("zero_pay_period", "sim:\n  period_days: 0\n", [],
     ["{f}:2: sim.period_days: expected a number of at least 1"]),
    # ---- events and schemes ---------------------------------------------------------------
    ("event_ends_before_start",
     "demand:\n  events:\n    - {name: e, date: 2026-01-01, start_hour: '20:00', end_hour: '10:00'}\n",
     [], ["{f}:3: demand.events.0.end_hour: expected after start_hour (20 h)"]),
    ("event_date_as_words", "demand:\n  events:\n    - {name: e, date: Nov 11}\n", [],
     ["{f}:3: demand.events.0.date: expected a date (YYYY-MM-DD), found 'Nov 11' (str)"]),
    ("scheme_in_force_unknown", "scheme: bonus\nschemes:\n  commission: {base_salary: 1}\n", [],
     ["{f}:1: scheme: expected one of the schemes defined (['commission']), found 'bonus'"]),
    ("schedule_not_from_day_0",
     "schemes:\n  a: {base_salary: 1}\n  s: {schedule: [{day: 3, scheme: a}]}\n", [],
     ["{f}:3: schemes.s.schedule: expected days increasing and starting at 0 "
      "(date: sim.start_date), found days [3]"]),
    ("contest_on_unknown_metric", "schemes:\n  c: {contest: {metric: happiness}}\n", [],
     ["{f}:2: schemes.c.contest.metric: expected one of 'served'", "found 'happiness'"]),
    ("empty_scenario_name", "name: ''\n", [],
     ["{f}:1: name: expected at least 1 character(s)"]),
    # ---- inputs YAML itself accepts but Python cannot build ------------------------------
    ("impossible_calendar_date", "sim:\n  start_date: 2026-02-30\n", [],
     ["{f}:2: sim.start_date: expected a calendar date (YYYY-MM-DD), found '2026-02-30'"]),
    ("impossible_event_month", "demand:\n  events:\n    - {name: e, date: 2026-13-01}\n", [],
     ["{f}:3: demand.events.0.date: expected a calendar date", "'2026-13-01'"]),
    ("impossible_date_in_set", OK, ["--set", "sim.start_date=2026-11-31"],
     ["--set sim.start_date=2026-11-31: sim.start_date: expected a calendar date"]),
    ("integer_of_5000_digits", "sim:\n  seed: " + "1" * 5000 + "\n", [],
     ["{f}:2: sim.seed: expected a number of at most", "digits"]),
    ("integer_of_5000_digits_in_set", OK, ["--set", "sim.seed=" + "9" * 5000],
     ["--set sim.seed=999", ": sim.seed: expected a number of at most"]),
    ("nesting_400_deep", "description: " + "[" * 400 + "]" * 400 + "\n", [],
     ["{f}:1: description.0.0.0", "levels of nesting"]),
    # ---- command-line flags (click usage errors) ------------------------------------------
    ("days_flag_zero", OK, ["--days", "0"], ["Invalid value for '--days'"]),
    ("days_flag_too_large", OK, ["--days", "3651"], ["Invalid value for '--days'"]),
    ("days_flag_fractional", OK, ["--days", "1.5"], ["Invalid value for '--days'"]),
    ("reps_flag_zero", OK, ["--reps", "0"], ["Invalid value for '--reps'"]),
    ("seed_flag_word", OK, ["--seed", "abc"], ["Invalid value for '--seed'"]),
    ("seed_flag_negative", OK, ["--seed", "-5"], ["Invalid value for '--seed'"]),
    ("workers_flag_word", OK, ["--workers", "many"], ["Invalid value for '--workers'"]),
    ("set_without_value", OK, ["--set"], ["'--set'", "requires an argument"]),
    # ---- --set ----------------------------------------------------------------------------
    ("set_unknown_key", OK, ["--set", "demand.colour=red"],
     ["--set demand.colour=red: demand.colour: expected no unknown keys", "'colour'"]),
    ("set_unknown_top_level_key", OK, ["--set", "colour=red"],
     ["--set colour=red: colour: expected no unknown keys"]),
    ("set_wrong_type_word", OK, ["--set", "teams.0.agents=two"],
     ["--set teams.0.agents=two: teams.0.agents: expected a whole number, found 'two' (str)"]),
    ("set_wrong_type_list", OK, ["--set", "demand.daily_volume=[1, 2]"],
     ["--set demand.daily_volume=[1, 2]: demand.daily_volume: expected a number, found [1, 2]"]),
    ("set_wrong_type_for_section", OK, ["--set", "demand=5"],
     ["--set demand=5: demand: expected a mapping, found 5 (int)"]),
    ("set_null", OK, ["--set", "demand.daily_volume="],
     ["--set demand.daily_volume=: demand.daily_volume: expected a number, found nothing"]),
    ("set_zero_days", OK, ["--set", "sim.days=0"],
     ["--set sim.days=0: sim.days: expected a number of at least 1"]),
    ("set_probability", OK, ["--set", "demand.pre_sales_share=2"],
     ["--set demand.pre_sales_share=2: demand.pre_sales_share: expected a number of at most 1"]),
    ("set_infinity", OK, ["--set", "conversion.a0=-.inf"],
     ["--set conversion.a0=-.inf: conversion.a0: expected a finite number"]),
    ("set_no_teams", OK, ["--set", "teams=[]"],
     ["--set teams=[]: teams: expected at least 1 item(s)"]),
    ("set_malformed_space", OK, ["--set", "demand.daily_volume 500"],
     ["--set demand.daily_volume 500: expected the form --set dotted.key=value"]),
    ("set_malformed_empty_key", OK, ["--set", "=5"],
     ["--set =5: expected the form --set dotted.key=value"]),
    ("set_malformed_double_dot", OK, ["--set", "demand..daily_volume=5"],
     ["--set demand..daily_volume=5: expected the form --set dotted.key=value"]),
    ("set_unclosed_list", OK, ["--set", "demand.hour_profile=[1, 2"],
     ["--set demand.hour_profile=[1, 2: demand.hour_profile: expected valid YAML"]),
    ("set_block_mapping", OK, ["--set", "sim=days: 2"],
     ["--set sim=days: 2: sim: expected a value or a flow collection", "block collection"]),
    # a problem inside a flow collection is at its own key, not at the option's key
    ("set_flow_mapping_duplicate_key", OK, ["--set", "sim={days: 1, days: 2}"],
     ["--set sim={days: 1, days: 2}: sim.days: expected each key once, found 'days' again"]),
    ("set_flow_list_tag", OK, ["--set", "demand.hour_profile=[1, !!binary x]"],
     ["--set demand.hour_profile=[1, !!binary x]: demand.hour_profile.1: expected plain YAML "
      "values without tags, found the tag !!binary"]),
    # a line break in the option's text is shown escaped: still one line per problem
    ("set_value_with_line_break", OK, ["--set", "description=a\nb: c"],
     ["--set description=a\\nb: c: description: expected valid YAML"]),
    ("set_index_out_of_range", OK, ["--set", "teams.3.agents=2"],
     ["--set teams.3.agents=2: teams.3.agents: expected an index below 1 for the list teams"]),
    ("set_below_a_number", OK, ["--set", "demand.daily_volume.max=5"],
     [("--set demand.daily_volume.max=5: demand.daily_volume.max: expected a mapping or list "
       "at demand.daily_volume, found 20 (int)")]),
]

assert len(CORPUS) >= 40 and len({row[0] for row in CORPUS}) == len(CORPUS)


def _prepare(tmp_path: Path, text: object) -> Path:
    """Write the row's file and return its path."""
    if text is None:
        return tmp_path / "absent" / "scenario.yaml"
    path = tmp_path / "scenario.yaml"
    if text is DIRECTORY:
        path.mkdir()
    elif isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _expect(path: Path, expected: list[str]) -> tuple[list[str], str]:
    fragments = [e.replace("{f}", str(path)) for e in expected]
    where = "--set " if any(e.startswith("--set ") for e in expected) else str(path)
    return fragments, where


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize(("name", "text", "extra", "expected"), CORPUS, ids=[r[0] for r in CORPUS])
def test_bad_input_is_one_located_message(name, text, extra, expected, command, tmp_path, cli,
                                          user_error):
    path = _prepare(tmp_path, text)
    code, out, err = cli([command, path, "--workers", "1", *extra])
    user_error(code, out, err, *_expect(path, expected))


def test_every_problem_is_located_on_its_own_line(tmp_path, cli):
    """Several problems: still one 'error:' message, each problem on a line of its own with
    its file, line and key."""
    path = _prepare(tmp_path, "sim:\n  days: 0\ndemand:\n  daily_volume: -1\n"
                              "teams:\n  - {name: A, agents: x}\n")
    code, out, err = cli(["run", path, "--workers", "1"])
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert sum(line.startswith("error:") for line in lines) == 1 and lines[0].startswith("error: ")
    assert [line.removeprefix("error: ").split(" expected")[0] for line in lines] == [
        f"{path}:2: sim.days:", f"{path}:4: demand.daily_volume:", f"{path}:6: teams.0.agents:"]


def test_set_error_names_the_option_not_the_file(tmp_path, cli, user_error):
    """A bad value given with --set is blamed on the option even though the file sets the
    same key to a good value."""
    path = _prepare(tmp_path, OK)
    code, out, err = cli(["run", path, "--workers", "1", "--set", "sim.days=-1"])
    message = user_error(code, out, err, ["--set sim.days=-1: sim.days:"], "--set ")
    assert str(path) not in message


# ---- --debug ---------------------------------------------------------------------------------
def test_debug_reraises_user_error_in_process(tmp_path):
    path = _prepare(tmp_path, "sim:\n  days: 0\n")
    with pytest.raises(ConfigError, match=r"sim\.days: expected a number of at least 1"):
        main(["run", str(path), "--debug", "--workers", "1"])


def test_debug_shows_traceback_for_user_error(tmp_path):
    """What a user sees: without --debug one line; with --debug (anywhere) the traceback."""
    path = _prepare(tmp_path, "sim:\n  days: 0\n")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def policysim(*args):
        return subprocess.run([sys.executable, "-m", "policysim.cli", *map(str, args)],
                              cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    plain = policysim("run", path)
    debug = policysim("--debug", "run", path)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.splitlines() == [
        f"error: {path}:2: sim.days: expected a number of at least 1, found 0 (int)"]
    assert debug.returncode != 0 and debug.returncode != 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert "policysim.errors.ConfigError" in debug.stderr
    assert f"{path}:2: sim.days" in debug.stderr


# ---- YAML merge keys ----------------------------------------------------------------------
def test_mapping_made_only_of_a_merge_key_loads(tmp_path, cli):
    """``same: {<<: *c}`` (a scheme identical to another) is ordinary YAML with merge keys; a
    mapping made only of merged keys has no line data of its own (it used to crash reading
    it: AttributeError, exit 1)."""
    path = _prepare(tmp_path, OK.replace(
        "  commission: {base_salary: 3000, commission: {rate: 0.01}}\n",
        "  commission: &c {base_salary: 3000, commission: {rate: 0.01}}\n"
        "  same:\n    <<: *c\n"))
    scn = load_model(Scenario, path)
    assert scn.schemes["same"] == scn.schemes["commission"]
    code, out, err = cli(["run", path, "--workers", "1", "--scheme", "same", "--json"])
    assert code == 0, err
    assert json.loads(out)["scheme"] == "same"


# ---- known bugs ------------------------------------------------------------------------------
CORE_TAG_BUG = (
    "yamlio._check lets explicit core tags through (_PLAIN_TAGS) without checking the value: "
    "ruamel's constructor then raises a plain IndexError/ValueError/KeyError for '!!int', "
    "'!!int true', '!!float abc', '!!bool maybe' in YAML().load (src/policysim/config/"
    "yamlio.py:228), which _load does not catch: 'internal error', exit 1. Suggested fix: in "
    "_check_scalar, for an explicitly tagged !!int/!!float/!!bool scalar check the text with "
    "the YAML 1.2 core-schema pattern of the tag and raise _Bad(line, key, 'a value that is a "
    "valid !!int', repr(text))")
TAGGED_STR_BUG = (
    "an explicit '!!str' (allowed by _PLAIN_TAGS, the standard way to force a string) reaches "
    "the data as ruamel's TaggedScalar: yamlio._plain (src/policysim/config/yamlio.py:307-333) "
    "returns it unchanged, so 'name: !!str 2026' is refused with \"expected a string, found "
    "TaggedScalar(...)\". Suggested fix: in _plain, turn a TaggedScalar into str(value.value) "
    "(its tag can only be !!str there)")
HEX_BUG = (
    "_check_scalar (src/policysim/config/yamlio.py:302) counts only decimal digit characters, "
    "so a hex literal of 4000 'f's passes; the resulting int has ~4800 decimal digits and "
    "validate._show (src/policysim/config/validate.py:248) calls repr() on it, which raises "
    "ValueError (int max str digits): 'internal error', exit 1. Suggested fix: bound the "
    "literal's length (all characters) or the value (e.g. value.bit_length() <= 13000) in "
    "_check_scalar, and make _show fall back to a short description if repr() fails")

KNOWN_BUGS = [
    pytest.param("explicit_int_tag_empty", "name: x\nsim:\n  days: !!int\n", [],
                 ["{f}:3: sim.days"], id="explicit_int_tag_empty"),
    pytest.param("explicit_int_tag_on_word", "name: x\nsim:\n  days: !!int true\n", [],
                 ["{f}:3: sim.days"], id="explicit_int_tag_on_word"),
    pytest.param("explicit_float_tag_on_word", "demand:\n  daily_volume: !!float abc\n", [],
                 ["{f}:2: demand.daily_volume"], id="explicit_float_tag_on_word"),
    pytest.param("explicit_bool_tag_on_word", "agents:\n  learning: !!bool maybe\n", [],
                 ["{f}:2: agents.learning"], id="explicit_bool_tag_on_word"),
    pytest.param("explicit_int_tag_in_set", OK, ["--set", "sim.days=!!int 1.5"],
                 ["--set sim.days=!!int 1.5: sim.days"], id="explicit_int_tag_in_set"),
    pytest.param("hex_integer_of_4000_digits", "sim:\n  days: 0x" + "f" * 4000 + "\n", [],
                 ["{f}:2: sim.days"], id="hex_integer_of_4000_digits"),
    # keys that are not text: pydantic spells them in its own way (1.5 as '1.5', true as 1),
    # so they were shown as "expected Keys should be strings", null and 1.5 without a line
    # and, with any --set given, blamed on that --set
    pytest.param("null_key", "name: x\nnull: 3\n", ["--days", "2"],
                 ["{f}:2: null: expected keys written as text", "found the key null"],
                 id="null_key"),
    pytest.param("float_key", "name: x\n1.5: 3\n", ["--days", "2"],
                 ["{f}:2: 1.5: expected keys written as text", "found the key 1.5 (float)"],
                 id="float_key"),
    pytest.param("bool_key_nested", "name: x\ndemand:\n  true: 3\n", [],
                 ["{f}:3: demand.true: expected keys written as text", "the key true (bool)"],
                 id="bool_key_nested"),
    pytest.param("int_key", "name: x\n1: 3\n", [],
                 ["{f}:2: 1: expected keys written as text", "the key 1 (int)"], id="int_key"),
    # scheme names name output files (parts/<scheme>-r0000.*.parquet, the sweep's
    # p00000-<scheme>-r0000): with '../../x', 'run --out D' once wrote D/../x-r0000.*; '' or
    # 'a.b' cannot be given to --schemes or --set
    pytest.param("scheme_name_with_slashes",
                 OK.replace("  commission:", '  "../../x":') + 'scheme: "../../x"\n',
                 [],
                 ["{f}:7: schemes.../../x: expected a scheme name of letters, digits, '_' and "
                  "'-'", "found '../../x'"], id="scheme_name_with_slashes"),
    pytest.param("scheme_name_with_a_dot", OK.replace("  commission:", '  "a.b":'), [],
                 ["{f}:7: schemes.a.b: expected a scheme name", "found 'a.b'"],
                 id="scheme_name_with_a_dot"),
    pytest.param("scheme_name_empty", OK.replace("  commission:", '  "":'), [],
                 ["{f}:7: schemes.: expected a scheme name", "found ''"],
                 id="scheme_name_empty"),
]


@pytest.mark.parametrize(("name", "text", "extra", "expected"), KNOWN_BUGS)
def test_known_bug_inputs(name, text, extra, expected, tmp_path, cli, user_error):
    path = _prepare(tmp_path, text)
    code, out, err = cli(["run", path, "--workers", "1", *extra])
    user_error(code, out, err, *_expect(path, expected))


def test_explicit_str_tag_gives_a_string(tmp_path):
    path = _prepare(tmp_path, OK.replace("name: ok", "name: !!str 2026") +
                    "description: !!str 5\n")
    scn = load_model(Scenario, path)
    assert (scn.name, scn.description) == ("2026", "5")

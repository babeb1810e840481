"""Tables built from the engine's records: run summaries, daily series, per-agent rows."""

"""Experiments: seeds, replications, paired comparisons, sweeps, sensitivity, executors."""

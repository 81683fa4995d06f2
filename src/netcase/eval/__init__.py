"""Metrics against the synthetic world's ground truth."""

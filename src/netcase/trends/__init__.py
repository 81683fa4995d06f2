"""District and corridor trends, and surge detection with a stated test."""

"""Case coordination: investigations, targets, deconfliction, watchlists, prosecutions, outcomes."""

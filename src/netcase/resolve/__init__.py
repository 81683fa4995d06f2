"""Entity resolution: normalisers, the Splink model, judgements, clusters and canonical ids.

The answer every later stage reads is the ``resolved`` table (mention entity id → canonical id);
see ``docs/resolution.md``.
"""

"""Access: who the viewer is, what they may see (enforced at the read path), and the audit log.

- ``viewer``: ``Viewer`` and ``ROLES``.
- ``policy``: ``statement_filter`` (the one place deciding what a viewer reads), the readers
  ``visible_statements`` and ``visible_entity``, ``pseudonym``, ``authorize``/``decide`` over the
  declarative ``ROLE_ACTIONS`` table, and information-sharing agreements.
- ``identity``: users, ``authenticate`` (argon2id + TOTP), sessions (``session_viewer``), API tokens.
- ``audit``: the CJIS 5.4 audit log as an RFC 6962 Merkle tree with Ed25519-signed tree heads.
- ``retention``: 28 CFR 23.20 predicate, review, revalidation, purge, dissemination records.

The rules are written out in ``docs/security.md``.
"""

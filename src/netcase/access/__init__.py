"""Access: who the viewer is, what they may see (enforced at the read path), and the audit log."""

"""Pure domain code: catalogue, privacy helpers, tickets, workflow and deadlines (no I/O)."""

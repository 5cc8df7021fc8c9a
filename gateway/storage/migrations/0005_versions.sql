-- Optimistic concurrency (issue 10): every stored change to a ticket bumps its version, the HTTP
-- ETag; a stale If-Match is refused.  Existing tickets start at 1.
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- Message numbers come from a counter on the session row, not MAX(seq)+1, so that any number of
-- writers allocate them atomically.
ALTER TABLE sessions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seq = (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE messages.session_id = sessions.id);

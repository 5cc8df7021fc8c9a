-- Users: seats (agents, volunteers) and, later, back-office roles.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT,
    seat_kind     TEXT,              -- 'agent' | 'volunteer' | NULL (not a seat)
    skills        TEXT NOT NULL DEFAULT '{}',   -- JSON {"lang:ja": 4}
    password_hash TEXT,
    created_at    REAL NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,     -- sha256 of the bearer token; the token itself is never stored
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

-- A caller's contact: chat now, video/voice later.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    lang        TEXT NOT NULL,
    state       TEXT NOT NULL,       -- queued | active | ended | abandoned
    token_hash  TEXT NOT NULL,
    queue       TEXT NOT NULL,
    skill       TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    enqueued_at REAL NOT NULL,
    answered_at REAL,
    ended_at    REAL,
    ended_by    TEXT,
    seat_id     TEXT,
    seat_name   TEXT,
    ticket_id   TEXT,
    meta        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX sessions_state ON sessions(state);

CREATE TABLE messages (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq        INTEGER NOT NULL,
    sender     TEXT NOT NULL,        -- caller | seat | system
    author     TEXT,                 -- seat id for seat messages
    text       TEXT NOT NULL,
    client_id  TEXT,
    created_at REAL NOT NULL,
    meta       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages(session_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE tickets (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    channel    TEXT NOT NULL,
    lang       TEXT NOT NULL,
    category   TEXT,
    department TEXT,
    district   TEXT,
    session_id TEXT,
    deadline   REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    data       TEXT NOT NULL        -- the whole ticket as JSON, without its history
);
CREATE INDEX tickets_status ON tickets(status);
CREATE INDEX tickets_session ON tickets(session_id);

-- Append-only audit trail: who, when, what, why, old and new value.
CREATE TABLE ticket_history (
    ticket_id TEXT NOT NULL REFERENCES tickets(id),
    idx       INTEGER NOT NULL,
    at        REAL NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    field     TEXT,
    old       TEXT,
    new       TEXT,
    reason    TEXT,
    PRIMARY KEY (ticket_id, idx)
);

CREATE TABLE ticket_counters (
    day TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);

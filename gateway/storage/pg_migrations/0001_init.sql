-- The gateway's PostgreSQL schema: the same tables, columns, constraints and indexes as the SQLite
-- migrations 0001-0005 (gateway/storage/migrations/), with PostgreSQL's own types:
-- timestamptz for every time, jsonb for JSON, boolean for flags.  Text that is compared or sorted
-- as a key (logins, counter days, kiosk buckets) is COLLATE "C", so that order and ranges are
-- bytewise, as in SQLite, whatever the database's default collation is.

-- Users: seats (agents, volunteers) and back-office roles.
CREATE TABLE users (
    id            text PRIMARY KEY,
    login         text COLLATE "C" NOT NULL UNIQUE,
    name          text NOT NULL,
    role          text NOT NULL,
    department    text,
    seat_kind     text,                          -- 'agent' | 'volunteer' | NULL (not a seat)
    skills        jsonb NOT NULL DEFAULT '{}',   -- {"lang:ja": 4}
    password_hash text,
    created_at    timestamptz NOT NULL,
    disabled      boolean NOT NULL DEFAULT false
);

CREATE TABLE auth_tokens (
    token_hash text PRIMARY KEY,                 -- sha256 of the bearer token; the token is never stored
    user_id    text NOT NULL REFERENCES users(id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked    boolean NOT NULL DEFAULT false
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

-- A caller's contact (chat, video, voice).  last_seq numbers its messages: append_message bumps
-- it under the row lock, so any number of writers on any node allocate 1, 2, 3, ... without gaps.
CREATE TABLE sessions (
    id          text PRIMARY KEY,
    channel     text NOT NULL,
    lang        text NOT NULL,
    state       text NOT NULL,                   -- queued | active | ended | abandoned
    token_hash  text NOT NULL,
    queue       text NOT NULL,
    skill       text NOT NULL,
    priority    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    enqueued_at timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at    timestamptz,
    ended_by    text,
    seat_id     text,
    seat_name   text,
    ticket_id   text,
    meta        jsonb NOT NULL DEFAULT '{}',
    last_seq    integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
);
CREATE INDEX sessions_state ON sessions(state);

CREATE TABLE messages (
    session_id text NOT NULL REFERENCES sessions(id),
    seq        integer NOT NULL CHECK (seq >= 1),
    sender     text NOT NULL,                    -- caller | seat | system
    author     text,                             -- seat id for seat messages
    text       text NOT NULL,
    client_id  text,
    created_at timestamptz NOT NULL,
    meta       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (session_id, seq)
);
-- The idempotency key of a resent message; racing duplicates hit this index and store one row.
CREATE UNIQUE INDEX messages_client_id ON messages(session_id, client_id) WHERE client_id IS NOT NULL;

-- version: bumped by exactly one on every stored change (the HTTP ETag); authoritative over the
-- "version" key inside data.
CREATE TABLE tickets (
    id         text PRIMARY KEY,
    number     text NOT NULL UNIQUE,
    status     text NOT NULL,
    channel    text NOT NULL,
    lang       text NOT NULL,
    category   text,
    department text,
    district   text,
    session_id text,
    deadline   timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    data       jsonb NOT NULL,                   -- the whole ticket, without its history
    version    integer NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX tickets_status ON tickets(status);
CREATE INDEX tickets_session ON tickets(session_id);
-- The supervisor's overdue count reads only late tickets in a clock-running state.
CREATE INDEX tickets_status_deadline ON tickets(status, deadline);

-- Append-only audit trail: who, when, what, why, old and new value.
CREATE TABLE ticket_history (
    ticket_id text NOT NULL REFERENCES tickets(id),
    idx       integer NOT NULL CHECK (idx >= 0),
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    field     text,
    old       jsonb,
    new       jsonb,
    reason    text,
    PRIMARY KEY (ticket_id, idx)
);

CREATE TABLE ticket_counters (
    day text COLLATE "C" PRIMARY KEY,            -- 'YYYY-MM-DD'
    seq integer NOT NULL
);

-- Anonymous airport-kiosk counters: only these six columns exist, so no IP address, session id or
-- user agent can be stored.  channel is '' for events without one (a NULL would defeat the key).
CREATE TABLE kiosk_counts (
    kiosk   text COLLATE "C" NOT NULL,
    hour    text COLLATE "C" NOT NULL,           -- 'YYYY-MM-DDTHH' in Asia/Shanghai time; sorts as text
    event   text COLLATE "C" NOT NULL,
    lang    text COLLATE "C" NOT NULL,
    channel text COLLATE "C" NOT NULL DEFAULT '',
    count   bigint NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (kiosk, hour, event, lang, channel)
);
CREATE INDEX kiosk_counts_hour ON kiosk_counts(hour);

-- Self-service clients.
CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    key_hash   text NOT NULL UNIQUE,             -- sha256 of the key; the key is shown once, never stored
    created_at timestamptz NOT NULL,
    revoked    boolean NOT NULL DEFAULT false
);

-- One row per accepted submission, written in the same transaction as its ticket.
CREATE TABLE service_requests (
    ticket_id      text PRIMARY KEY REFERENCES tickets(id),
    number         text NOT NULL UNIQUE,         -- the ticket number, Open311's service_request_id
    api_key_id     text NOT NULL REFERENCES api_keys(id),
    token          text NOT NULL UNIQUE,         -- Open311 token (GET tokens/{token}.json)
    access_hash    text NOT NULL,                -- sha256 of the submitter's follow-up token
    idem_key       text,                         -- Idempotency-Key, unique per client
    body_hash      text NOT NULL,                -- sha256 of the canonical submission
    service_code   text NOT NULL,
    lang           text NOT NULL,
    lat            double precision,
    long           double precision,
    address        text,
    media          text,                         -- attachment id, or NULL
    submitter_hash text,                         -- HMAC of device id / email / phone, for rate limits only
    requested_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX service_requests_idem ON service_requests(api_key_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX service_requests_time ON service_requests(requested_at);
CREATE INDEX service_requests_code ON service_requests(service_code, requested_at);

-- Self-service submissions (miniapp_api/): API clients, and the Open311/mini-program side of a ticket.

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,    -- sha256 of the key; the key itself is shown once and never stored
    created_at REAL NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

-- One row per accepted submission, written in the same transaction as its ticket.
CREATE TABLE service_requests (
    ticket_id      TEXT PRIMARY KEY REFERENCES tickets(id),
    number         TEXT NOT NULL UNIQUE,   -- the ticket number, Open311's service_request_id
    api_key_id     TEXT NOT NULL REFERENCES api_keys(id),
    token          TEXT NOT NULL UNIQUE,   -- Open311 token (GET tokens/{token}.json)
    access_hash    TEXT NOT NULL,          -- sha256 of the submitter's follow-up token
    idem_key       TEXT,                   -- Idempotency-Key, unique per client
    body_hash      TEXT NOT NULL,          -- sha256 of the canonical submission, to spot a reused key
    service_code   TEXT NOT NULL,
    lang           TEXT NOT NULL,
    lat            REAL,
    long           REAL,
    address        TEXT,
    media          TEXT,                   -- attachment id, or NULL
    submitter_hash TEXT,                   -- HMAC of device id / email / phone, for rate limits only
    requested_at   REAL NOT NULL
);
CREATE UNIQUE INDEX service_requests_idem ON service_requests(api_key_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX service_requests_time ON service_requests(requested_at);
CREATE INDEX service_requests_code ON service_requests(service_code, requested_at);

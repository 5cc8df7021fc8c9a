-- Anonymous airport-kiosk counters (issue 5): what visitors used, by kiosk and Shanghai hour.
-- Only these six columns exist: no IP address, session id or user agent can be stored.
-- 'channel' is '' for events without one: a NULL would make every row distinct to the primary key
-- and break the UPSERT increment.
CREATE TABLE kiosk_counts (
    kiosk   TEXT NOT NULL,
    hour    TEXT NOT NULL,           -- 'YYYY-MM-DDTHH' in Asia/Shanghai time; sorts as text
    event   TEXT NOT NULL,           -- language_chosen | qr_shown | call_started
    lang    TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    count   INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (kiosk, hour, event, lang, channel)
) WITHOUT ROWID;
CREATE INDEX kiosk_counts_hour ON kiosk_counts(hour);

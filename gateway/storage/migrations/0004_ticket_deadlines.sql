-- The supervisor's overdue count reads only late tickets in a clock-running state.
CREATE INDEX tickets_status_deadline ON tickets(status, deadline);

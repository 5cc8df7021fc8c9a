"""The audit-trail replay: the history alone rebuilds a ticket, and tampering is caught."""

from __future__ import annotations

from gateway.domain import audit, office
from gateway.domain.ticket import Attachment, CallerInfo, HistoryEntry, Ticket

T0 = 1_795_824_000.0
AGENT, WATER, REVIEWER, CALLBACK = "agent:a1", "department:WATER:d1", "reviewer:r1", "callback:c1"


def through_the_workflow() -> Ticket:
    t = Ticket.new_draft("20261128000001", "chat", "en", "Burst pipe on Huaihai Rd", actor="system", now=T0,
                         category="COMPLAINT", department="WATER", district="xuhui",
                         caller=CallerInfo(name="Ana", phone_masked="138****0000", phone_hash="h"))
    t.edit({"address": "1 Huaihai Rd", "text_zh": "淮海路水管爆裂"}, actor=AGENT, now=T0 + 1)
    t.add_attachment(Attachment(id="p1", kind="photo", content_type="image/jpeg", size=10), AGENT, T0 + 1)
    from gateway.domain import workflow
    workflow.apply(t, "submit", AGENT, T0 + 2)
    office.dispatch(t, AGENT, T0 + 3, "WATER")
    office.return_ticket(t, WATER, T0 + 4, "not_our_remit")
    office.reroute(t, REVIEWER, T0 + 5, "DISTRICT", "nobody else owns it")
    office.reply(t, "department:DISTRICT:d2", T0 + 6, "fixed")
    office.record_callback(t, CALLBACK, T0 + 7, resolved=True, satisfaction=4)
    office.close(t, CALLBACK, T0 + 8)
    return t


def test_a_whole_journey_replays_exactly() -> None:
    t = through_the_workflow()
    assert t.status == "closed" and t.department == "DISTRICT"
    assert audit.replay(t) == []


def test_a_change_without_its_history_row_is_caught() -> None:
    t = through_the_workflow()
    t.district = "pudong"                       # written behind the audit trail's back
    assert audit.replay(t) == ["district: the history rebuilds 'xuhui' but the ticket has 'pudong'"]


def test_a_lost_row_is_caught() -> None:
    t = through_the_workflow()
    lost = next(i for i, h in enumerate(t.history) if h.action == "reroute" and h.field == "department")
    del t.history[lost]
    assert audit.replay(t) == ["department: the history rebuilds 'WATER' but the ticket has 'DISTRICT'"]


def test_a_lost_status_row_breaks_the_chain() -> None:
    t = through_the_workflow()
    lost = next(i for i, h in enumerate(t.history) if h.action == "return" and h.field == "status")
    del t.history[lost]
    assert any("(reroute status): old is 'returned' but the rows before it left 'dispatched'" in p
               for p in audit.replay(t))


def test_a_row_whose_old_value_does_not_chain_is_caught() -> None:
    t = through_the_workflow()
    t.history.append(HistoryEntry(at=T0 + 9, actor=AGENT, action="edit", field="district", old="jingan", new="xuhui"))
    assert audit.replay(t) == ["row %d (edit district): old is 'jingan' but the rows before it left 'xuhui'"
                               % (len(t.history) - 1)]


def test_a_replies_row_must_only_append() -> None:
    t = through_the_workflow()
    row = next(h for h in t.history if h.field == "replies")
    row.old = [{"text": "rewritten"}]
    assert any("replies row must have old=None" in p for p in audit.replay(t))

"""Routing is configuration: the example file drives the real app, and a changed file changes routing."""

from __future__ import annotations

from pathlib import Path

from gateway.acd import DEFAULT_ROUTING, RoutingConfig
from gateway.config import load_config
from gateway.web.app import create_app
from tests.conftest import recv_until

EXAMPLE = Path(__file__).resolve().parents[2] / "gateway.example.toml"


def test_example_file_is_the_default_routing():
    cfg = load_config(EXAMPLE, env={})
    assert RoutingConfig.from_dict(cfg.routing).to_dict() == RoutingConfig.from_dict(DEFAULT_ROUTING).to_dict()


async def test_a_config_file_changes_who_gets_the_call(aiohttp_client, tmp_path, clock):
    # Volunteers allowed from the first second on the chat queue.
    text = EXAMPLE.read_text().replace(
        '{ after_s = 0,   min_level = 4, kinds = ["agent"] },\n  { after_s = 60,  min_level = 2, kinds = ["agent"] },\n'
        '  { after_s = 120, min_level = 1, kinds = ["agent", "volunteer"] },\n]\n\n[[routing.queues]]\nname = "video"',
        '{ after_s = 0, min_level = 1, kinds = ["agent", "volunteer"] },\n]\n\n[[routing.queues]]\nname = "video"', 1)
    assert text != EXAMPLE.read_text()
    path = tmp_path / "gw.toml"
    path.write_text(text)
    cfg = load_config(path, env={}, overrides={"db": str(tmp_path / "gw.sqlite3")})
    from tests.conftest import Gateway
    gw = Gateway(await aiohttp_client(create_app(cfg, clock=clock, run_ticker=False)), clock)
    sess = await gw.new_session("vi")
    token = await gw.add_seat("vol-vi", {"lang:vi": 1}, kind="volunteer")
    vol = await gw.seat_ws(token)
    await recv_until(vol, "hello")
    await vol.send_json({"type": "set_state", "state": "available"})
    offer = await recv_until(vol, "offer")          # no waiting for a tier to widen
    assert offer["session"]["id"] == sess["id"]

"""Self-service submissions end to end over HTTP: Open311 GeoReport v2 and the native mini-program API."""

from __future__ import annotations

import io
import random
import string
import xml.etree.ElementTree as ET

import aiohttp
from PIL import Image

from gateway.web.keys import REPO
from miniapp_api import apikeys
from tests.conftest import make_config

O = "/open311/v2"
SHANGHAI = {"lat": "31.2304", "long": "121.4737"}


async def _key(gw, name="civic-app") -> str:
    key = apikeys.new_key()
    await gw.app[REPO].create_api_key(apikeys.new_record(name, gw.clock.now()), apikeys.key_hash(key))
    return key


def _form(key, **extra):
    base = {"api_key": key, "service_code": "URBAN_MANAGEMENT", **SHANGHAI,
            "description": "A street lamp has been broken for a week at the corner of Huaihai Road and Shaanxi Road."}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def _jpeg_with_gps(lat=31.2304, long=121.4737) -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SnoopPhone"                      # camera make: must go
    from PIL.TiffImagePlugin import IFDRational as R
    def dms(x):
        d = int(x); m = int((x - d) * 60); s = round(((x - d) * 60 - m) * 60 * 100)
        return (R(d, 1), R(m, 1), R(s, 100))
    gps = {1: "N", 2: dms(lat), 3: "E", 4: dms(long)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


async def _post(gw, form, photo: bytes | None = None, headers=None, fmt="json"):
    if photo is None:
        return await gw.client.post(f"{O}/requests.{fmt}", data=form, headers=headers or {})
    data = aiohttp.FormData()
    for k, v in form.items():
        data.add_field(k, v)
    data.add_field("media", photo, filename="photo.jpg", content_type="image/jpeg")
    return await gw.client.post(f"{O}/requests.{fmt}", data=data, headers=headers or {})


async def test_services_and_definitions_follow_the_spec(gw):
    r = await gw.client.get(f"{O}/services.json")
    services = await r.json()
    assert r.status == 200 and len(services) == 21
    assert {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} <= set(services[0])
    r = await gw.client.get(f"{O}/services/WATER.json")
    d = await r.json()
    assert d["service_code"] == "WATER"
    attrs = {a["code"]: a for a in d["attributes"]}
    assert {v["key"] for v in attrs["request_type"]["values"]} >= {"COMPLAINT", "HELP", "REPORT"}
    r = await gw.client.get(f"{O}/services/NOPE.json")
    assert r.status == 404 and (await r.json())[0]["code"] == 404
    r = await gw.client.get(f"{O}/services.xml")
    root = ET.fromstring(await r.read())
    assert r.status == 200 and root.tag == "services" and len(root.findall("service")) == 21
    r = await gw.client.get(f"{O}/services/NOPE.xml")
    assert r.status == 404 and ET.fromstring(await r.read()).tag == "errors"


async def test_post_get_and_token_round_trip(gw):
    key = await _key(gw)
    r = await _post(gw, _form(key, email="ana@example.org", first_name="Ana", phone="+44 20 7946 0958"))
    assert r.status == 201, await r.text()
    [created] = await r.json()
    number, token = created["service_request_id"], created["token"]
    assert len(number) == 14 and token and "agent" in created["service_notice"]

    r = await gw.client.get(f"{O}/requests/{number}.json", params={"api_key": key})
    [req] = await r.json()
    assert req["status"] == "open" and req["service_code"] == "URBAN_MANAGEMENT"
    assert abs(req["lat"] - 31.2304) < 1e-9 and req["requested_datetime"].endswith("+08:00")
    assert "ana@example.org" not in await r.text() and "7946" not in await r.text()   # no contact fields
    r = await gw.client.get(f"{O}/tokens/{token}.json", params={"api_key": key})
    assert (await r.json()) == [{"service_request_id": number, "token": token}]
    r = await gw.client.get(f"{O}/requests.json", params={"api_key": key, "service_code": "URBAN_MANAGEMENT",
                                                           "status": "open"})
    assert [x["service_request_id"] for x in await r.json()] == [number]
    r = await gw.client.get(f"{O}/requests.json", params={"api_key": key, "status": "closed"})
    assert await r.json() == []
    r = await gw.client.get(f"{O}/requests/{number}.xml", params={"api_key": key})
    assert ET.fromstring(await r.read()).find("request/service_request_id").text == number

    # another client cannot read it: reports are about people
    other = await _key(gw, "other-app")
    r = await gw.client.get(f"{O}/requests/{number}.json", params={"api_key": other})
    assert r.status == 404
    r = await gw.client.get(f"{O}/tokens/{token}.json", params={"api_key": other})
    assert r.status == 404

    # staff see the ticket: a draft in Chinese, from the mini-program channel, with the masked phone
    ticket = (await gw.app[REPO].find_service_requests(api_key_id=None, numbers=[number]))[0][1]
    assert ticket.status == "draft" and str(ticket.channel) == "miniapp" and ticket.department == "URBAN_MANAGEMENT"
    assert ticket.text_zh and ticket.caller.phone_masked and "7946 0958" not in str(ticket.to_dict())


async def test_every_bad_post_gets_a_clear_4xx_in_the_spec_format(gw):
    key = await _key(gw)
    cases = [
        (_form(None), 403), (_form("h12345_" + "x" * 40), 403), (_form("not-a-key"), 403),
        (_form(key, service_code="TELEPORT"), 404),
        (_form(key, lat="48.8566", long="2.3522"), 400),                   # Paris is not Shanghai
        (_form(key, lat="31.2", long=None), 400),
        (_form(key, lat=None, long=None), 400),                             # no location at all
        (_form(key, description="   "), 400), (_form(key, description="x" * 4001), 400),
        (_form(key, email="not-an-email"), 400), (_form(key, media_url="javascript:alert(1)"), 400),
        (_form(key, **{"attribute[request_type]": "BRIBE"}), 400),
    ]
    for form, status in cases:
        r = await _post(gw, form)
        body = await r.json()
        assert r.status == status, (form, r.status, body)
        assert isinstance(body, list) and body and {"code", "description"} <= set(body[0]), body
    r = await gw.client.post(f"{O}/requests.json", json={"api_key": key})
    assert r.status == 415 and (await r.json())[0]["code"] == 415
    assert await gw.app[REPO].find_service_requests(api_key_id=None) == []          # nothing was stored


async def test_photos_are_sniffed_stripped_and_limited(gw):
    key = await _key(gw)
    r = await _post(gw, _form(key, description="Overflowing rubbish bins outside the metro exit"), _jpeg_with_gps())
    assert r.status == 201, await r.text()
    number = (await r.json())[0]["service_request_id"]
    [req] = await (await gw.client.get(f"{O}/requests/{number}.json", params={"api_key": key})).json()
    assert req["media_url"].startswith("http")
    path = req["media_url"].split("://", 1)[1].split("/", 1)[1]
    r = await gw.client.get("/" + path)
    stored = await r.read()
    assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif                       # GPS and camera make gone

    r = await _post(gw, _form(key), b"%PDF-1.7 not an image at all")
    assert r.status == 415 and (await r.json())[0]["code"] == 415
    bomb = io.BytesIO()
    Image.new("L", (1, 1)).save(bomb, "PNG")
    data = bytearray(bomb.getvalue())
    import struct, zlib
    data[16:24] = struct.pack(">II", 60000, 60000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    r = await _post(gw, _form(key), bytes(data))
    assert r.status == 413
    r = await _post(gw, _form(key), b"\xff\xd8\xff" + b"\0" * 8_000_001)        # over the 8 MB default
    assert r.status == 413 and "8 MB" in (await r.json())[0]["description"]


async def test_native_api_is_idempotent_and_followable_in_the_submitters_language(gw):
    key = await _key(gw, "mini-program")
    body = {"service_code": "TRANSPORT", "lang": "ja", "description": "地下鉄2号線の駅でエレベーターが止まっています",
            "address": "南京東路駅", "contact": {"email": "k@example.jp"}, "device_id": "dev-1"}
    h = {"X-Api-Key": key, "Idempotency-Key": "retry-me-1"}
    r1 = await gw.client.post("/api/v1/miniapp/requests", json=body, headers=h)
    first = await r1.json()
    assert r1.status == 201, first
    r2 = await gw.client.post("/api/v1/miniapp/requests", json=body, headers=h)       # the network dropped the answer
    again = await r2.json()
    assert r2.status == 200 and r2.headers["Idempotent-Replayed"] == "true"
    assert again["id"] == first["id"] and again["access_token"] == first["access_token"]
    assert len(await gw.app[REPO].find_service_requests(api_key_id=None)) == 1
    r3 = await gw.client.post("/api/v1/miniapp/requests", json={**body, "description": "別の件"}, headers=h)
    assert r3.status == 409

    assert first["status"] == "received" and "担当者" in first["status_note"]
    r = await gw.client.get(f"/api/v1/miniapp/requests/{first['id']}",
                            headers={"Authorization": f"Bearer {first['access_token']}"})
    view = await r.json()
    assert r.status == 200 and view["status"] == "received" and view["timeline"][0]["stage"] == "received"
    assert "k@example.jp" not in await r.text()
    r = await gw.client.get(f"/api/v1/miniapp/requests/{first['id']}?lang=en",
                            headers={"Authorization": f"Bearer {first['access_token']}"})
    assert "agent" in (await r.json())["status_note"]
    for headers in ({"Authorization": "Bearer wrong"}, {"X-Api-Key": await _key(gw, "x")}):
        r = await gw.client.get(f"/api/v1/miniapp/requests/{first['id']}", headers=headers)
        assert r.status == 404
    r = await gw.client.get(f"/api/v1/miniapp/requests/{first['id']}")
    assert r.status == 401

    for bad, status in (({**body, "lang": "klingon"}, 400), ({**body, "location": {"lat": 48.9, "long": 2.35}}, 400),
                        ({**body, "share_location": "yes"}, 422), ({**body, "service_code": 5}, 422)):
        r = await gw.client.post("/api/v1/miniapp/requests", json=bad, headers={"X-Api-Key": key})
        assert r.status == status, (bad, await r.text())
        assert "error" in await r.json() or isinstance(await r.json(), list)
    r = await gw.client.post("/api/v1/miniapp/requests", data=b"{not json", headers={"X-Api-Key": key,
                                                                                     "Content-Type": "application/json"})
    assert r.status == 400


async def test_the_same_person_is_rate_limited_and_other_people_are_not(gateway_factory):
    gw = await gateway_factory(miniapp_rate_per_submitter_per_hour=3)
    key = await _key(gw)
    statuses = []
    for i in range(5):
        r = await _post(gw, _form(key, device_id="phone-A", description=f"report number {i} about a broken lamp"))
        statuses.append(r.status)
    assert statuses[:3] == [201, 201, 201] and statuses[3] == 429
    assert "Retry-After" in r.headers and int(r.headers["Retry-After"]) > 0
    r = await _post(gw, _form(key, device_id="phone-B", description="someone else reports a pothole"))
    assert r.status == 201


async def test_an_accepted_request_survives_a_restart(aiohttp_client, tmp_path, clock):
    from gateway.web.app import create_app
    config = make_config(tmp_path)
    app = create_app(config, clock=clock, run_ticker=False)
    client = await aiohttp_client(app)
    key = apikeys.new_key()
    await app[REPO].create_api_key(apikeys.new_record("c", clock.now()), apikeys.key_hash(key))
    r = await client.post(f"{O}/requests.json", data=_form(key))
    number = (await r.json())[0]["service_request_id"]
    await client.close()
    app2 = create_app(config, clock=clock, run_ticker=False)
    client2 = await aiohttp_client(app2)
    r = await client2.get(f"{O}/requests/{number}.json", params={"api_key": key})
    assert r.status == 200 and (await r.json())[0]["service_request_id"] == number


async def test_random_forms_never_cause_a_server_error(gw):
    key = await _key(gw)
    rng = random.Random(12345)
    fields = ["api_key", "service_code", "lat", "long", "address_string", "description", "email", "phone",
              "media_url", "attribute[request_type]", "attribute[district]", "device_id", "jurisdiction_id", "lang"]
    alphabet = string.printable + "上海市中文🙂\u202e\x00"
    for _ in range(150):
        form = {}
        for f in rng.sample(fields, rng.randint(0, len(fields))):
            form[f] = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.7:
            form["api_key"] = key
        if rng.random() < 0.5:
            form["service_code"] = rng.choice(["WATER", "POLICE", "TAX"])
        r = await _post(gw, form)
        assert r.status < 500, (form, await r.text())


async def test_seats_find_self_service_drafts_with_their_chinese_draft(gw):
    key = await _key(gw)
    r = await _post(gw, _form(key, description="Loud construction noise every night after 22:00 near Jing'an Temple",
                              lang="en"), _jpeg_with_gps())
    number = (await r.json())[0]["service_request_id"]
    seat = await gw.add_seat("seat-en", {"lang:en": 5})
    h = {"Authorization": f"Bearer {seat}"}
    r = await gw.client.get("/api/v1/tickets?status=draft&channel=miniapp", headers=h)
    [item] = await r.json()
    assert item["number"] == number and item["lang"] == "en" and item["attachments"] == 1
    assert item["text_zh"] and item["text_original"].startswith("Loud construction")
    r = await gw.client.get(f"/api/v1/tickets/{item['id']}", headers=h)
    t = await r.json()
    assert t["status"] == "draft" and t["department"] == "URBAN_MANAGEMENT" and t["attachments"][0]["kind"] == "photo"
    assert "submit" in t["allowed_actions"]
    for bad in ("status=bogus", "channel=fax", "limit=0", "limit=abc"):
        r = await gw.client.get(f"/api/v1/tickets?{bad}", headers=h)
        assert r.status == 422, bad
    r = await gw.client.get("/api/v1/tickets")
    assert r.status == 401

/* The media connections of a call in the agent console (docs/PROTOCOL.md "Video and voice calls",
 * "Interpreting"): a browser mesh of up to three parties, one peer connection per pair.
 *   c.peer   the connection with the caller
 *   c.third  the connection with the third party: the interpreter (when this console is the seat)
 *            or the seat (when this console interprets)
 * Who offers is fixed so that two sides never offer to each other at once: the caller offers to the
 * seat, and the interpreter offers to both the caller and the seat.  The seat therefore only answers;
 * the interpreter only offers, and starts over with back-off when a connection fails or never comes
 * up (as the caller page does with the seat).
 *
 *   Hotline.CallPeers.init({send: fn(obj) -> bool, note: fn(zh, en), changed: fn(c, slot), token: fn() -> staff token})
 *     each connection asks GET /api/v1/ice with that token for its own fresh ICE servers
 *   Hotline.CallPeers.link(c)               gives c its two slots: {conn, state, remote, rtt, via, tries, timer, gen}
 *   Hotline.CallPeers.party(c, slot)        "caller" | "seat" | "interpreter"
 *   Hotline.CallPeers.slotFor(c, from)      "peer" | "third" for a relayed message's `from`
 *   Hotline.CallPeers.offer(c, slot)        the interpreter's offer (again: a new connection)
 *   Hotline.CallPeers.signal(c, m)          a relayed `rtc` message
 *   Hotline.CallPeers.close(c, slot?)       one connection, or both
 *   Hotline.CallPeers.sendRtt(c, text, withThird)
 *   Hotline.CallPeers.localMedia(channel) -> Promise<stream|null>;  stopLocal()
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var SLOTS = ["peer", "third"];
  var MAX_RETRIES = 5;

  var ctx = null;
  var local = null;            // {kind, promise, stream}

  function warn(what) {
    return function (e) { if (window.console) console.warn(what, e); };
  }

  function party(c, slot) {
    if (slot === "peer") return "caller";
    return c.role === "interpreter" ? "seat" : "interpreter";
  }

  /* No `from` (an older gateway): the caller, the only party there was. */
  function slotFor(c, from) {
    return from && from === party(c, "third") ? "third" : "peer";
  }

  function link(c) {
    SLOTS.forEach(function (slot) {
      if (!c[slot]) c[slot] = { conn: null, state: "none", remote: null, rtt: "", via: "", tries: 0, timer: null, gen: 0 };
    });
    return c;
  }

  /* ---------- my camera / microphone (one for all calls and both connections) ---------- */
  function localMedia(channel) {
    var kind = channel === "video" ? "video" : "voice";
    if (local && (local.kind === kind || local.kind === "video")) return local.promise;
    if (local) H.RTC.stop(local.stream);
    var mine = (local = { kind: kind, stream: null });
    mine.promise = H.RTC.getMedia(kind).then(function (s) {
      if (local !== mine) { H.RTC.stop(s); return null; }
      mine.stream = s;
      var v = $("call-local");
      v.srcObject = kind === "video" ? s : null;
      v.play().catch(function () {});
      return s;
    }, function (err) {
      ctx.note("本机摄像头/麦克风不可用：" + (err && (err.name || err.message)), "Own camera or microphone unavailable");
      return null;
    });
    return mine.promise;
  }

  function stopLocal() {
    if (!local) return;
    H.RTC.stop(local.stream);
    local = null;
    $("call-local").srcObject = null;
  }

  /* ---------- one connection ---------- */
  function close(c, slot, keepTries) {
    if (!slot) { SLOTS.forEach(function (s) { close(c, s); }); return; }
    var ln = c[slot];
    if (!ln) return;
    ln.gen += 1;                 /* an offer waiting for the camera is not made any more */
    clearTimeout(ln.timer);
    if (ln.conn) ln.conn.close();
    ln.conn = null;
    ln.state = "none";
    ln.remote = null;
    if (!keepTries) ln.tries = 0;
    ctx.changed(c, slot);
  }

  function make(c, slot, offerer, stream, callId) {
    var ln = c[slot];
    var to = party(c, slot);
    var p = new H.RTC.Peer({
      callId: callId, stream: stream, offerer: offerer, kinds: c.channel === "video" ? ["audio", "video"] : ["audio"],
      ice: H.RTC.iceFor(function () { var tok = ctx.token && ctx.token(); return tok ? { token: tok } : null; }),
      onSignal: function (data) { if (ln.conn === p) ctx.send({ type: "rtc", session: c.id, to: to, data: data }); },
      onStream: function (remote) {
        if (ln.conn !== p) return;
        ln.remote = remote;
        ctx.changed(c, slot);
      },
      onRtt: function (text, via) {
        if (ln.conn !== p) return;
        ln.rtt = text;
        ln.via = via;
        ctx.changed(c, slot);
      },
      onState: function (s) {
        if (ln.conn !== p || s === "rtt-open") return;
        ln.state = s;
        if (s === "connected") { ln.tries = 0; clearTimeout(ln.timer); }
        if (offerer && s === "failed") retry(c, slot);
        /* the other side went (reloaded, lost its network): "failed" can take half a minute to come */
        if (offerer && s === "disconnected") {
          clearTimeout(ln.timer);
          ln.timer = setTimeout(function () { if (ln.conn === p && ln.state === "disconnected") retry(c, slot); }, 10000);
        }
        ctx.changed(c, slot);
      }
    });
    ln.conn = p;
    ln.state = "new";
    return p;
  }

  /* ---------- the interpreter offers ---------- */
  function offer(c, slot) {
    var ln = link(c)[slot];
    close(c, slot, true);
    if (c.ended || (slot === "peer" && c.present === false)) return;   /* again when the caller is back (`peer`) */
    var gen = ln.gen;
    localMedia(c.channel).then(function (stream) {
      if (ln.gen !== gen || c.ended) return;
      var p = make(c, slot, true, stream);
      p.start().catch(warn("offer failed"));
      /* no answer or no media after 15 s (an offer lost on the way, the other side reloading) */
      ln.timer = setTimeout(function () { if (ln.conn === p && ln.state !== "connected") retry(c, slot); }, 15000);
    });
  }

  function retry(c, slot) {
    var ln = c[slot];
    clearTimeout(ln.timer);
    if (ln.tries >= MAX_RETRIES) return;
    ln.tries += 1;
    ln.timer = setTimeout(function () { offer(c, slot); }, 1500 * ln.tries);
  }

  /* ---------- signalling ---------- */
  function signal(c, m) {
    link(c);
    var d = m.data || {};
    var slot = slotFor(c, m.from);
    var ln = c[slot];
    if (d.type === "offer") {
      /* a new call id: the other side started over; its old connection is gone */
      if (ln.conn && (!d.call || d.call !== ln.conn.id)) close(c, slot);
      var p = ln.conn || make(c, slot, false, null, d.call);
      localMedia(c.channel).then(function (stream) {
        if (ln.conn !== p) return null;
        p.opts.stream = stream;
        return p.signal(d);
      }).catch(warn("answer failed"));
      return;
    }
    if (ln.conn) ln.conn.signal(d).catch(function () { /* a stale candidate */ });
  }

  /* My real-time text: on each open data channel; over the socket (to everyone) when a connection
   * that should be there is not open yet. */
  function sendRtt(c, text, withThird) {
    var viaDc = false, missing = false;
    SLOTS.forEach(function (slot) {
      var ln = c[slot];
      var needed = slot === "peer" || withThird;
      if (ln && ln.conn && ln.conn.sendRtt(text)) viaDc = true;
      else if (needed) missing = true;
    });
    if (missing) ctx.send({ type: "rtt", session: c.id, data: { text: text } });
    return missing ? "ws" : viaDc ? "dc" : "";
  }

  function init(c) { ctx = c; }

  H.CallPeers = {
    init: init, link: link, party: party, slotFor: slotFor, offer: offer, signal: signal, close: close,
    sendRtt: sendRtt, localMedia: localMedia, stopLocal: stopLocal
  };
})();

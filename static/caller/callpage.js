/* What the video and voice caller pages share: the session and its WebSocket, queue, the
 * peer-to-peer call with the seat (docs/PROTOCOL.md "Video and voice calls"), the analysis copy
 * to the gateway, real-time text, the small transcript and the ended panel.
 *
 *   var call = Hotline.CallPage.create({channel, storeKey, kinds, remoteEl, media: fn() -> Promise<stream|null>,
 *                                        analysis: fn() -> bool, onMessage: fn(m) -> handled?, onPhase: fn(phase)});
 *   call.start(body) -> Promise (POST /api/v1/sessions; rejects with Hotline.ApiError)
 *   call.resume(saved); call.end(); call.reset(); call.send(obj); call.session(); call.phase()
 *   call.loadSaved() -> the saved {id, token, ...} of this page or null
 *
 * Element ids used on both pages: call-state, queue-status, queue-position, queue-eta, call-log,
 * rtt-input, rtt-send, rtt-remote, rtt-remote-text, end-call, ended-panel, ended-text,
 * reference-line, reference, unmute.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var t = H.I18n.t;
  var FATAL = { bad_token: 1, unknown_session: 1, unauthorized: 1 };
  var RESEND_MS = 8000;

  function create(opts) {
    var session = null, sock = null, transcript = null;
    var phase = "idle", seatName = null, peerPresent = true, sockStatus = "stopped", everOpened = false;
    var wantEnd = false, sentAt = new Map(), resendTimer = null;
    var peer = null, p2pState = "none", restartTimer = null, restarts = 0;

    function store(obj) {
      try {
        if (obj) sessionStorage.setItem(opts.storeKey, JSON.stringify(obj));
        else sessionStorage.removeItem(opts.storeKey);
      } catch (e) { /* private mode: a reload starts over */ }
    }
    function loadSaved() {
      try { return JSON.parse(sessionStorage.getItem(opts.storeKey) || "null"); } catch (e) { return null; }
    }

    function setPhase(p) {
      phase = p;
      document.body.setAttribute("data-phase", p);
      if (opts.onPhase) opts.onPhase(p);
    }

    /* ---------- rendering ---------- */
    function renderQueue(q) { H.renderQueue(q, t); }

    function renderState() {
      var text, key;
      if (phase === "ended") { key = "ended"; text = t("ended"); }
      else if (sockStatus === "waiting" || (sockStatus === "connecting" && everOpened)) { key = "reconnecting"; text = t("reconnecting"); }
      else if (sockStatus !== "open") { key = "connecting"; text = t("connecting"); }
      else if (phase === "connected" && !peerPresent) { key = "agent-disconnected"; text = t("agent_disconnected"); }
      else if (phase === "connected" && (p2pState === "failed" || p2pState === "disconnected")) { key = "media-reconnecting"; text = t("video_reconnecting"); }
      else if (phase === "connected") { key = "connected"; text = t("connected_to", { name: seatName || t("agent") }); }
      else { key = "queued"; text = t("state_queued"); }
      var el = $("call-state");
      if (el.textContent !== text) el.textContent = text;
      el.setAttribute("data-state", key);
      el.setAttribute("data-media", p2pState);
      var open = phase !== "ended";
      $("rtt-input").disabled = !open;
      $("rtt-send").disabled = !open;
      H.show("queue-status", phase === "queued");
      H.show("end-call", open);
    }

    function showRemoteRtt(text, via) {
      var box = $("rtt-remote");
      H.setText("rtt-remote-text", text);
      box.hidden = !text;
      box.setAttribute("data-via", via || "");
    }

    /* ---------- the call with the seat ---------- */
    function stopP2P() {
      clearTimeout(restartTimer);
      if (peer) peer.close();
      peer = null;
      p2pState = "none";
      if (opts.remoteEl) { opts.remoteEl.srcObject = null; opts.remoteEl.setAttribute("data-live", "false"); }
      H.show("unmute", false);
      showRemoteRtt("", "");
    }

    function startP2P() {
      stopP2P();
      if (phase !== "connected" || !peerPresent) return;
      opts.media().then(function (stream) {
        if (phase !== "connected" || !peerPresent || peer) return;
        var me = (peer = new H.RTC.Peer({
          stream: stream, offerer: true, kinds: opts.kinds,
          onSignal: function (data) { if (peer === me) send({ type: "rtc", data: data }); },
          onStream: function (remote) {
            if (peer !== me || !opts.remoteEl) return;
            opts.remoteEl.setAttribute("data-live", "true");
            H.RTC.play(opts.remoteEl, remote, function () { H.show("unmute", true); });
          },
          onRtt: function (text, via) { if (peer === me) showRemoteRtt(text, via); },
          onState: function (s) {
            if (peer !== me || s === "rtt-open") return;
            p2pState = s;
            if (s === "connected") restarts = 0;
            if (s === "failed" && restarts < 5) {
              restarts += 1;
              clearTimeout(restartTimer);
              restartTimer = setTimeout(startP2P, 1500 * restarts);
            }
            renderState();
          }
        }));
        p2pState = "new";
        me.start().catch(function (e) { if (window.console) console.warn("call offer failed", e); });
        /* no answer or no media after 15 s (an offer lost on the way): offer again */
        restartTimer = setTimeout(function () {
          if (peer === me && p2pState !== "connected" && restarts < 5) { restarts += 1; startP2P(); }
        }, 15000);
      });
    }

    /* ---------- the analysis copy (guidance, quality, recording if consented) ---------- */
    var analysis = new H.RTC.AnalysisCopy({
      media: opts.media,
      target: function () {
        if (!session || phase === "ended" || session.ended || !opts.analysis()) return null;
        return { id: session.id, token: session.token, lang: H.I18n.current() };
      },
      onState: function (st) { document.body.setAttribute("data-analysis", st); }
    });

    /* ---------- session and socket ---------- */
    function send(obj) { return !!sock && sock.send(obj); }

    function start(body) {
      return H.api("/api/v1/sessions", { method: "POST", body: body }).then(function (res) {
        session = { id: res.id, token: res.token, ws_url: res.ws_url, lang: res.lang, queue: res.queue || null, ui: H.I18n.current(),
                    consent: !!body.consent_recording };
        store(session);
        enter(res.state || "queued");
        return res;
      });
    }

    function phaseFor(state) {
      if (state === "ended" || state === "closed" || state === "abandoned") return "ended";
      if (!state || state === "queued" || state === "waiting" || state === "offered" || state === "requeued") return "queued";
      return "connected";
    }

    function enter(state) {
      transcript.clear();
      sentAt.clear();
      peerPresent = true;
      seatName = session.seat || null;
      everOpened = false;
      wantEnd = false;
      $("end-call").disabled = false;
      H.show("ended-panel", false);
      setPhase(phaseFor(state) === "ended" ? "queued" : phaseFor(state));
      if (session.queue) renderQueue(session.queue);
      else { H.setText("queue-position", "…"); H.setText("queue-eta", ""); }
      renderState();
      connect();
      analysis.start(true);
    }

    function connect() {
      if (sock) sock.stop();
      sock = new H.ReconnectingSocket({
        url: function () { return H.wsUrl(session.ws_url || "/ws/caller", { session: session.id, token: session.token }); },
        onMessage: onMessage,
        onStatus: function (s) { sockStatus = s; if (s === "open") everOpened = true; renderState(); },
        onFailure: function (n) { if (n % 3 === 0) verify(); }
      });
      sock.start();
      clearInterval(resendTimer);
      resendTimer = setInterval(resendPending, RESEND_MS / 2);
    }

    function verify() {
      if (!session) return;
      H.api("/api/v1/sessions/" + encodeURIComponent(session.id), { token: session.token }).then(
        function (s) { if (s && phaseFor(s.state) === "ended") onEnded({ by: null, reference: null }); },
        function (err) { if (err.status === 401 || err.status === 403 || err.status === 404) lost(); });
    }

    function teardown() {
      if (sock) sock.stop();
      clearInterval(resendTimer);
      stopP2P();
      analysis.stop();
      if (opts.onTeardown) opts.onTeardown();
    }

    function lost() {
      teardown();
      store(null);
      setPhase("ended");
      H.setText("ended-text", t("error_session_lost"));
      H.show("reference-line", false);
      H.show("ended-panel", true);
      renderState();
    }

    function onMessage(m) {
      if (phase === "ended" && m.type !== "hello" && m.type !== "ended") return;
      if (opts.onMessage && opts.onMessage(m)) return;
      switch (m.type) {
        case "hello": return onHello(m);
        case "queue":
          session.queue = { position: m.position, eta_s: m.eta_s, waiting_s: m.waiting_s, seats_online: m.seats_online };
          store(session);
          renderQueue(session.queue);
          if (phase !== "connected") setPhase("queued");
          break;
        case "connected":
          seatName = m.seat && m.seat.name ? String(m.seat.name) : null;
          session.seat = seatName || t("agent");
          store(session);
          if (phase !== "connected") transcript.notice(t("connected_to", { name: seatName || t("agent") }), "ok");
          setPhase("connected");
          peerPresent = m.seat_present !== false;
          startP2P();
          break;
        case "msg":
          transcript.upsert(m);
          if (m.from === "seat") showRemoteRtt("", "");
          break;
        case "ack":
          transcript.ack(m.client_id, m.seq);
          sentAt.delete(m.client_id);
          break;
        case "peer":
          if (!!m.present === peerPresent) break;
          peerPresent = !!m.present;
          transcript.notice(peerPresent ? t("agent_back") : t("agent_disconnected"), peerPresent ? "ok" : "warn");
          if (peerPresent) startP2P(); else stopP2P();
          break;
        case "requeued":
          stopP2P();
          setPhase("queued");
          peerPresent = true;
          seatName = null;
          session.seat = null;
          store(session);
          transcript.notice(t("requeued"), "warn");
          break;
        case "rtc":
          if (peer) peer.signal(m.data).catch(function (e) { if (window.console) console.warn("rtc", e); });
          break;
        case "rtt":
          if (m.data && typeof m.data.text === "string") showRemoteRtt(m.data.text, "ws");
          break;
        case "ended": return onEnded(m);
        case "error":
          if (FATAL[m.code]) return lost();
          if (m.code === "conflict") break;       /* a relay sent before or after the seat was there */
          transcript.notice(t("error_generic") + (m.message ? " (" + m.message + ")" : ""), "error");
          break;
        default: break;
      }
      renderState();
    }

    function onHello(m) {
      sock.resetBackoff();
      var s = m.session || {};
      transcript.load(m.transcript || []);
      var next = phaseFor(s.state);
      if (next === "ended") return onEnded({ by: null, reference: session.reference || null });
      if (next === "queued") { stopP2P(); setPhase("queued"); }
      renderState();
      transcript.pending().forEach(function (p) { sendMsg(p.client_id, p.text); });
      if (wantEnd) send({ type: "end" });
    }

    function onEnded(m) {
      teardown();
      session.ended = true;
      session.by = m.by || session.by || null;
      if (m.reference) session.reference = String(m.reference);
      store(session);
      showEnded();
    }

    function showEnded() {
      setPhase("ended");
      var by = session.by;
      H.setText("ended-text", by === "seat" || by === "caller" || by === "system" ? t("ended_by_" + by) : t("ended"));
      H.setText("reference", session.reference || "");
      H.show("reference-line", !!session.reference);
      H.show("ended-panel", true);
      renderState();
    }

    /* ---------- text ---------- */
    function sendMsg(id, text) {
      sentAt.set(id, Date.now());
      return send({ type: "msg", client_id: id, text: text });
    }

    function resendPending() {
      if (!sock || !sock.isOpen() || phase === "ended") return;
      var now = Date.now();
      transcript.pending().forEach(function (p) {
        if (now - (sentAt.get(p.client_id) || 0) >= RESEND_MS) sendMsg(p.client_id, p.text);
      });
    }

    /* every keystroke: the line as it is now, on the data channel (or relayed by the gateway) */
    function sendRtt(text) {
      if (phase !== "connected") return;
      if (peer && peer.sendRtt(text)) { $("rtt-input").setAttribute("data-via", "dc"); return; }
      if (send({ type: "rtt", data: { text: text } })) $("rtt-input").setAttribute("data-via", "ws");
    }

    function commitLine() {
      var input = $("rtt-input");
      var text = input.value.replace(/\s+$/, "");
      if (!text.trim() || phase === "ended" || !session) return;
      var id = H.uuid();
      transcript.addPending(id, text);
      sendMsg(id, text);
      input.value = "";
      sendRtt("");
    }

    function end() {
      if (!session || phase === "ended") return;
      wantEnd = true;
      $("end-call").disabled = true;
      send({ type: "end" });
    }

    function reset() {
      teardown();
      sock = null;
      store(null);
      session = null;
      transcript.clear();
      sentAt.clear();
      $("rtt-input").value = "";
      setPhase("idle");
    }

    function resume(saved) {
      session = saved;
      if (saved.ended) { transcript.clear(); showEnded(); return; }
      enter(saved.seat ? "active" : "queued");
    }

    /* ---------- wiring ---------- */
    transcript = new H.Transcript($("call-log"), {
      ownFrom: "caller",
      labelFor: function (from) { return from === "caller" ? t("you") : from === "seat" ? (seatName || t("agent")) : t("system"); },
      sendingText: function () { return t("sending"); }
    });
    $("rtt-input").addEventListener("input", function (e) { sendRtt(e.target.value); });
    $("rtt-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); commitLine(); }
    });
    $("rtt-send").addEventListener("click", function () { commitLine(); $("rtt-input").focus(); });
    $("end-call").addEventListener("click", end);
    $("unmute").addEventListener("click", function () {
      if (opts.remoteEl) { opts.remoteEl.muted = false; opts.remoteEl.play().catch(function () {}); }
      H.show("unmute", false);
    });
    H.I18n.onApply(function () {
      renderState();
      if (session && session.queue && phase === "queued") renderQueue(session.queue);
      if (session && session.ended) showEnded();
    });

    return {
      start: start, resume: resume, end: end, reset: reset, send: send, loadSaved: loadSaved,
      session: function () { return session; },
      phase: function () { return phase; },
      /* a new copy, e.g. after the caller changed language (guidance comes in the copy's language) */
      restartAnalysis: function () { analysis.start(true); }
    };
  }

  H.CallPage = { create: create };
})();

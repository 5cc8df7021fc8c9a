/* What the video and voice caller pages share: the session and its WebSocket, queue, the
 * peer-to-peer call with the seat and, when one joins, a volunteer interpreter (mesh.js;
 * docs/PROTOCOL.md "Video and voice calls", "Interpreting"), the analysis copy to the gateway,
 * real-time text, the small transcript and the ended panel.
 *
 *   var call = Hotline.CallPage.create({channel, storeKey, kinds, remoteEl, media: fn() -> Promise<stream|null>,
 *                                        analysis: fn() -> bool, onMessage: fn(m) -> handled?, onPhase: fn(phase)});
 *   call.start(body) -> Promise (POST /api/v1/sessions; rejects with Hotline.ApiError, or with an Error whose
 *                      code is "no_media" when there is no camera/microphone: then nothing is queued)
 *   call.resume(saved); call.end(); call.reset(); call.send(obj); call.session(); call.phase()
 *   call.loadSaved() -> the saved {id, token, ...} of this page or null
 *
 * Element ids used on both pages: call-state, queue-status, queue-position, queue-eta, call-log,
 * rtt-input, rtt-send, rtt-remote, rtt-remote-who, rtt-remote-text, end-call, ended-panel, ended-text,
 * reference-line, reference, unmute, remote-interpreter (the interpreter's picture or sound),
 * media-unavailable, media-unavailable-text, chat-offer-link (why there is no call, and the text chat instead).
 *
 *   Hotline.CallPage.showUnavailable(key | null)   that box, with the sentence `key` in the page's language
 *
 * Every peer connection (with the seat, with an interpreter, the analysis copy) gets its own ICE
 * servers from GET /api/v1/ice, asked with this session's id and caller token.  When the connection
 * with the seat cannot be made (mesh.js gives up), the page says so, offers the text chat and ends
 * the call with the ordinary `end`, so the seat is not left waiting for a picture.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var t = H.I18n.t;
  var FATAL = { bad_token: 1, unknown_session: 1, unauthorized: 1 };
  var RESEND_MS = 8000;

  /* ---------- "no call possible here": the reason and the text chat instead ---------- */
  var unavailable = null;

  function chatUrl() {
    var q = new URLSearchParams();
    var lang = H.I18n.current();
    if (lang && lang !== "csl") q.set("lang", lang);
    var kiosk = new URLSearchParams(window.location.search).get("kiosk");
    if (kiosk) q.set("kiosk", kiosk);
    var qs = q.toString();
    return "/chat" + (qs ? "?" + qs : "");
  }

  function showUnavailable(key) {
    unavailable = key || null;
    var box = document.getElementById("media-unavailable");
    if (!box) return;
    box.hidden = !unavailable;
    box.setAttribute("data-reason", unavailable || "");
    document.body.setAttribute("data-unavailable", unavailable || "");
    if (!unavailable) return;
    H.setText("media-unavailable-text", t(unavailable));
    var link = document.getElementById("chat-offer-link");
    if (link) link.setAttribute("href", chatUrl());
  }

  function noMedia() {
    var err = new Error("no camera or microphone: the call is not queued");
    err.code = "no_media";
    return err;
  }

  function create(opts) {
    var session = null, sock = null, transcript = null;
    var phase = "idle", seatName = null, peerPresent = true, sockStatus = "stopped", everOpened = false;
    var wantEnd = false, sentAt = new Map(), resendTimer = null;
    var interp = { state: null, name: null };       /* a volunteer interpreter in the call */
    var rtt = { seat: "", interpreter: "", last: "seat", via: "" };   /* what each is typing now */
    var mesh = null;

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
      var st = H.CallerState.connection({ phase: phase, sockStatus: sockStatus, everOpened: everOpened, peerPresent: peerPresent,
                                          seatName: seatName, media: mesh.seatState() }, t);
      var text = st.text, key = st.key;
      var el = $("call-state");
      if (el.textContent !== text) el.textContent = text;
      el.setAttribute("data-state", key);
      el.setAttribute("data-media", mesh.seatState());
      var open = phase !== "ended";
      $("rtt-input").disabled = !open;
      $("rtt-send").disabled = !open;
      H.show("queue-status", phase === "queued");
      H.show("end-call", open);
    }

    /* One box for the other parties' live text: the one who typed last, or the other one while
     * that line is empty; it says who is typing. */
    function showRemoteRtt(from, text, via) {
      if (from) {
        rtt[from] = text || "";
        if (text) { rtt.last = from; rtt.via = via || ""; }
      }
      var who = rtt[rtt.last] ? rtt.last : rtt.seat ? "seat" : rtt.interpreter ? "interpreter" : "";
      var box = $("rtt-remote");
      box.hidden = !who;
      box.setAttribute("data-from", who);
      box.setAttribute("data-via", who ? rtt.via : "");
      H.setText("rtt-remote-text", who ? rtt[who] : "");
      H.setText("rtt-remote-who", who === "interpreter" ? t("interpreter") + (interp.name ? " · " + interp.name : "")
        : who ? (seatName || t("agent")) : "");
      /* "The agent is typing:" is about the seat only */
      var label = box.querySelector(".rtt-remote-label");
      if (label) label.hidden = who !== "seat";
    }

    function stopP2P() {
      mesh.stop();
      H.show("unmute", false);
    }

    function startP2P() { mesh.startSeat(); }

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
      /* opened by an airport kiosk (/kiosk): the session carries its id (priority, anonymous count) */
      var kiosk = new URLSearchParams(window.location.search).get("kiosk");
      if (kiosk && body.kiosk === undefined) body.kiosk = kiosk;
      /* never queue a call that could carry no picture or sound: the caller is offered the chat instead */
      if (H.RTC.mediaSupport() !== "ok") return Promise.reject(noMedia());
      return opts.media().then(function (stream) {
        if (!stream) throw noMedia();
        return H.api("/api/v1/sessions", { method: "POST", body: body });
      }).then(function (res) {
        session = { id: res.id, token: res.token, ws_url: res.ws_url, lang: res.lang, queue: res.queue || null, ui: H.I18n.current(),
                    consent: !!body.consent_recording };
        store(session);
        enter(res.state || "queued");
        return res;
      });
    }

    /* The connection with the seat cannot be made (TURN refused us, a network that blocks media):
     * say so, offer the chat, and end the call cleanly (the seat gets the ordinary `ended`). */
    function mediaFailed() {
      if (!session || phase === "ended" || session.ended) return;
      session.problem = opts.channel === "video" ? "media_failed_video" : "media_failed_voice";
      store(session);
      showUnavailable(session.problem);
      transcript.notice(t(session.problem), "error");
      end();
    }

    function phaseFor(state) {
      if (state === "ended" || state === "closed" || state === "abandoned") return "ended";
      if (!state || state === "queued" || state === "waiting" || state === "offered" || state === "requeued") return "queued";
      return "connected";
    }

    function enter(state) {
      transcript.clear();
      interp = { state: null, name: null };
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
          if (phase !== "connected") {
            transcript.notice(t("connected_to", { name: seatName || t("agent") }), "ok");
            mesh.resetSeat();              /* a seat (maybe another one after a requeue): media tried afresh */
          }
          setPhase("connected");
          peerPresent = m.seat_present !== false;
          startP2P();
          break;
        case "interpreter": onInterpreter(m); break;
        case "msg":
          transcript.upsert(m);
          if (m.from === "seat" || m.from === "interpreter") showRemoteRtt(m.from, "", "");
          break;
        case "ack":
          transcript.ack(m.client_id, m.seq);
          sentAt.delete(m.client_id);
          break;
        case "peer":
          if (!!m.present === peerPresent) break;
          peerPresent = !!m.present;
          transcript.notice(peerPresent ? t("agent_back") : t("agent_disconnected"), peerPresent ? "ok" : "warn");
          if (peerPresent) mesh.startSeat(); else mesh.stop("seat");
          break;
        case "requeued":
          stopP2P();            /* the interpreter goes with the seat (the gateway says so next) */
          setPhase("queued");
          peerPresent = true;
          seatName = null;
          session.seat = null;
          store(session);
          transcript.notice(t("requeued"), "warn");
          break;
        case "rtc": mesh.signal(m); break;
        case "rtt":
          if (m.data && typeof m.data.text === "string") showRemoteRtt(m.from === "interpreter" ? "interpreter" : "seat", m.data.text, "ws");
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

    /* A volunteer interpreter is asked for, joins, drops or leaves: a line in the transcript; their
     * connection goes whenever they are not (or no longer) in the call, and they offer again when back. */
    function onInterpreter(m) {
      var note = H.CallerState.interpreter(interp, m, t);
      if (note) transcript.notice(note.text, note.kind);
      if (interp.state !== "joined") mesh.stop("interpreter");
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
      H.setText("ended-text", session.problem ? t(session.problem)
        : by === "seat" || by === "caller" || by === "system" ? t("ended_by_" + by) : t("ended"));
      if (session.problem) showUnavailable(session.problem);
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
      var via = mesh.sendRtt(text, interp.state === "joined");
      if (via) $("rtt-input").setAttribute("data-via", via);
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
      showUnavailable(null);
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
    mesh = H.CallerMesh.create({
      kinds: opts.kinds, media: opts.media, send: send,
      ice: H.RTC.iceFor(function () { return session ? { session: session.id, token: session.token } : null; }),
      onGiveUp: mediaFailed,
      els: { seat: opts.remoteEl || null, interpreter: $("remote-interpreter") },
      canCall: function () { return phase === "connected" && peerPresent; },
      onRtt: showRemoteRtt,
      onState: function () { renderState(); },
      onBlocked: function () { H.show("unmute", true); }
    });
    transcript = new H.Transcript($("call-log"), {
      ownFrom: "caller",
      labelFor: function (from) { return H.CallerState.label(from, seatName, t); },
      sendingText: function () { return t("sending"); }
    });
    $("rtt-input").addEventListener("input", function (e) { sendRtt(e.target.value); });
    $("rtt-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); commitLine(); }
    });
    $("rtt-send").addEventListener("click", function () { commitLine(); $("rtt-input").focus(); });
    $("end-call").addEventListener("click", end);
    $("unmute").addEventListener("click", function () {
      mesh.unmute();                 /* both voices: the seat's and the interpreter's */
      H.show("unmute", false);
    });
    H.I18n.onApply(function () {
      if (unavailable) showUnavailable(unavailable);
      renderState();
      showRemoteRtt(null);
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

  H.CallPage = { create: create, showUnavailable: showUnavailable };
})();

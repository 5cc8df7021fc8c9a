/* Caller chat page: language picker -> start -> queue -> chat -> ended.
 * Speaks docs/PROTOCOL.md (POST /api/v1/sessions, WebSocket /ws/caller).
 * No innerHTML anywhere: server and user text goes in with textContent only. */
(function () {
  "use strict";
  var H = window.Hotline;
  var I = H.I18n;
  var $ = H.$;
  var t = I.t;
  var FATAL = { bad_token: 1, unknown_session: 1, unauthorized: 1 };
  var RESEND_MS = 8000;
  /* opened by an airport kiosk (/kiosk): the session carries its id (priority, anonymous count) */
  var KIOSK = new URLSearchParams(window.location.search).get("kiosk");

  var lang = null;
  var session = null;         // {id, token, ws_url, lang, queue, ended, reference, by}
  var sock = null;
  var transcript = null;
  var phase = "idle";         // idle | queued | connected | ended
  var seatName = null;
  var peerPresent = true;
  var sockStatus = "stopped";
  var everOpened = false;
  var wantEnd = false;
  var sentAt = new Map();     // client_id -> last send time
  var resendTimer = null;
  var interp = { state: null, name: null };   // a volunteer interpreter in the conversation

  function saveSession() { H.SessionStore.save(session); }
  function clearSession() { H.SessionStore.clear(); }

  /* ---------- views ---------- */
  function showView(name) {
    ["picker", "start", "chat"].forEach(function (v) { H.show("view-" + v, v === name); });
    H.show("change-lang", name === "start");
    document.body.setAttribute("data-view", name);
  }

  function showError(text, retry) {
    H.setText("page-error-text", text);
    H.show("page-error-retry", !!retry);
    $("page-error-retry").onclick = retry ? function () { hideError(); retry(); } : null;
    H.show("page-error", true);
  }
  function hideError() { H.show("page-error", false); }

  function errorText(err) {
    var detail = err && err.message ? " (" + (err.code ? err.code + ": " : "") + err.message + ")" : "";
    return t("error_generic") + detail;
  }

  function onStringsApplied() {
    if (transcript) transcript.opts.timeLocale = lang || [];
    renderState();
    if (session && session.queue) renderQueue(session.queue);
  }

  function setLanguage(code) {
    lang = code;
    return I.setLanguage(code);
  }

  /* ---------- language picker ---------- */
  function renderPicker() {
    H.renderLanguagePicker($("language-list"), I.languages() || [], chooseLanguage);
    H.show("picker-loading", false);
  }

  function showPicker() {
    showView("picker");
    if (I.languages()) { renderPicker(); return; }
    H.setText("picker-loading", "…");
    H.show("picker-loading", true);
    I.fetchLanguages().then(renderPicker, function (err) {
      H.setText("picker-loading", "");
      showError("Error / 错误: " + (err.message || err.code), showPicker);
    });
  }

  function chooseLanguage(code) {
    hideError();
    setLanguage(code).then(function () {
      showView("start");
      $("start-chat").focus();
    });
  }

  /* ---------- starting and resuming ---------- */
  function startChat() {
    var btn = $("start-chat");
    if (btn.disabled) return;
    btn.disabled = true;
    btn.textContent = t("starting");
    hideError();
    var body = { channel: "chat", lang: lang };
    if (KIOSK) body.kiosk = KIOSK;
    H.api("/api/v1/sessions", { method: "POST", body: body })
      .then(function (res) {
        session = { id: res.id, token: res.token, ws_url: res.ws_url, lang: res.lang || lang, queue: res.queue || null };
        saveSession();
        enterChat(res.state === "queued" || !res.state ? "queued" : res.state);
      })
      .catch(function (err) { showError(errorText(err), startChat); })
      .then(function () { btn.disabled = false; btn.textContent = t("start_chat"); });
  }

  function enterChat(state) {
    transcript.clear();
    interp = { state: null, name: null };
    phase = phaseFor(state);
    peerPresent = true;
    seatName = null;
    everOpened = false;
    wantEnd = false;
    showView("chat");
    H.show("ended-panel", false);
    H.show("chat-form", true);
    H.show("end-chat", true);
    $("end-chat").disabled = false;
    if (session.queue) renderQueue(session.queue);
    else { H.setText("queue-position", "…"); H.setText("queue-eta", ""); }
    H.show("queue-status", phase === "queued");
    renderState();
    connect();
    $("chat-input").focus();
  }

  function phaseFor(state) {
    if (state === "ended" || state === "closed") return "ended";
    if (!state || state === "queued" || state === "waiting" || state === "offered" || state === "requeued") return "queued";
    return "connected";
  }

  function connect() {
    if (sock) sock.stop();
    sock = new H.ReconnectingSocket({
      url: function () { return H.wsUrl(session.ws_url || "/ws/caller", { session: session.id, token: session.token }); },
      onMessage: onMessage,
      onStatus: function (s) {
        sockStatus = s;
        if (s === "open") everOpened = true;
        renderState();
      },
      onFailure: function (n) { if (n % 3 === 0) verifySession(); }
    });
    sock.start();
    clearInterval(resendTimer);
    resendTimer = setInterval(resendPending, RESEND_MS / 2);
  }

  /* The socket keeps failing: is the session still there? */
  function verifySession() {
    if (!session) return;
    H.api("/api/v1/sessions/" + encodeURIComponent(session.id), { token: session.token }).then(
      function (s) { if (s && phaseFor(s.state) === "ended") onEnded({ by: null, reference: null }); },
      function (err) { if (err.status === 401 || err.status === 403 || err.status === 404) sessionLost(); }
    );
  }

  function sessionLost() {
    if (sock) sock.stop();
    clearInterval(resendTimer);
    clearSession();
    phase = "ended";
    H.show("queue-status", false);
    H.show("chat-form", false);
    H.show("end-chat", false);
    H.setText("ended-text", t("error_session_lost"));
    H.show("reference-line", false);
    H.show("ended-panel", true);
    renderState();
  }

  /* ---------- rendering ---------- */
  function renderQueue(q) { H.renderQueue(q, t); }

  function renderState() {
    var st = H.CallerState.connection({ phase: phase, sockStatus: sockStatus, everOpened: everOpened,
                                        peerPresent: peerPresent, seatName: seatName }, t);
    var el = $("chat-state");
    if (el.textContent !== st.text) el.textContent = st.text;
    el.setAttribute("data-state", st.key);
    var canSend = phase !== "ended";
    $("send").disabled = !canSend;
    $("chat-input").disabled = !canSend;
  }

  /* ---------- protocol ---------- */
  function onMessage(m) {
    if (phase === "ended" && m.type !== "hello" && m.type !== "ended") return;
    switch (m.type) {
      case "hello": return onHello(m);
      case "queue":
        session.queue = { position: m.position, eta_s: m.eta_s, waiting_s: m.waiting_s, seats_online: m.seats_online };
        saveSession();
        renderQueue(session.queue);
        if (phase !== "connected") { phase = "queued"; H.show("queue-status", true); }
        break;
      case "connected":
        phase = "connected";
        peerPresent = true;
        seatName = m.seat && m.seat.name ? String(m.seat.name) : null;
        session.seat = seatName;
        saveSession();
        H.show("queue-status", false);
        transcript.notice(t("connected_to", { name: seatName || t("agent") }), "ok");
        break;
      case "msg": transcript.upsert(m); break;
      case "interpreter": onInterpreter(m); break;
      case "ack":
        transcript.ack(m.client_id, m.seq);
        sentAt.delete(m.client_id);
        break;
      case "peer":
        if (!!m.present === peerPresent) break;
        peerPresent = !!m.present;
        transcript.notice(peerPresent ? t("agent_back") : t("agent_disconnected"), peerPresent ? "ok" : "warn");
        break;
      case "requeued":
        phase = "queued";
        peerPresent = true;
        seatName = null;
        H.show("queue-status", true);
        transcript.notice(t("requeued"), "warn");
        break;
      case "ended": return onEnded(m);
      case "error":
        if (FATAL[m.code]) return sessionLost();
        transcript.notice(t("error_generic") + (m.message ? " (" + m.message + ")" : ""), "error");
        break;
      default: break;
    }
    renderState();
  }

  /* A volunteer interpreter is asked for, joins, drops or leaves: a line in the conversation. */
  function onInterpreter(m) {
    var note = H.CallerState.interpreter(interp, m, t);
    if (note) transcript.notice(note.text, note.kind);
  }

  function onHello(m) {
    sock.resetBackoff();
    var s = m.session || {};
    transcript.load(m.transcript || []);
    var next = phaseFor(s.state);
    if (next === "ended") return onEnded({ by: null, reference: session.reference || null });
    phase = next;
    if (s.seat && s.seat.name) seatName = String(s.seat.name);
    else if (next === "connected" && session.seat) seatName = session.seat;
    H.show("queue-status", phase === "queued");
    renderState();
    transcript.pending().forEach(function (p) { sendMsg(p.client_id, p.text); });
    if (wantEnd) sock.send({ type: "end" });
  }

  function onEnded(m) {
    phase = "ended";
    if (sock) sock.stop();
    clearInterval(resendTimer);
    session.ended = true;
    session.by = m.by || session.by || null;
    if (m.reference) session.reference = String(m.reference);
    saveSession();
    showEnded();
  }

  function showEnded() {
    phase = "ended";
    H.show("queue-status", false);
    H.show("chat-form", false);
    H.show("end-chat", false);
    var by = session.by;
    H.setText("ended-text", by === "seat" || by === "caller" || by === "system" ? t("ended_by_" + by) : t("ended"));
    H.setText("reference", session.reference || "");
    H.show("reference-line", !!session.reference);
    H.show("ended-panel", true);
    renderState();
    var log = $("chat-log");
    log.scrollTop = log.scrollHeight;     /* the panel took room from the log: keep the last messages in view */
    $("new-chat").focus();
  }

  function sendMsg(clientId, text) {
    sentAt.set(clientId, Date.now());
    return sock && sock.send({ type: "msg", client_id: clientId, text: text });
  }

  /* The server ignores duplicates, so unacked messages are simply sent again. */
  function resendPending() {
    if (!sock || !sock.isOpen() || phase === "ended") return;
    var now = Date.now();
    transcript.pending().forEach(function (p) {
      if (now - (sentAt.get(p.client_id) || 0) >= RESEND_MS) sendMsg(p.client_id, p.text);
    });
  }

  function onSubmit(ev) {
    ev.preventDefault();
    var input = $("chat-input");
    var text = input.value.trim();
    if (!text || phase === "ended" || !session) return;
    var id = H.uuid();
    transcript.addPending(id, text);
    sendMsg(id, text);
    input.value = "";
    input.focus();
  }

  function endChat() {
    if (!session || phase === "ended") return;
    wantEnd = true;
    $("end-chat").disabled = true;
    if (sock) sock.send({ type: "end" });
  }

  function newChat() {
    if (sock) sock.stop();
    sock = null;
    clearInterval(resendTimer);
    clearSession();
    session = null;
    phase = "idle";
    transcript.clear();
    sentAt.clear();
    $("chat-input").value = "";
    if (lang) { showView("start"); $("start-chat").focus(); }
    else showPicker();
  }

  /* ---------- boot ---------- */
  function boot() {
    transcript = new H.Transcript($("chat-log"), {
      ownFrom: "caller",
      labelFor: function (from) { return H.CallerState.label(from, seatName, t); },
      sendingText: function () { return t("sending"); },
      /* an agent's reply written in Chinese reaches the caller machine-translated, and says so */
      extraText: function (m) { return m.mt ? t("machine_translation") : null; }
    });
    $("start-chat").addEventListener("click", startChat);
    $("chat-form").addEventListener("submit", onSubmit);
    $("chat-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        $("chat-form").requestSubmit ? $("chat-form").requestSubmit() : onSubmit(e);
      }
    });
    $("end-chat").addEventListener("click", endChat);
    $("new-chat").addEventListener("click", newChat);
    $("change-lang").addEventListener("click", showPicker);

    I.onApply(onStringsApplied);
    var langsReady = I.fetchLanguages().catch(function () { return null; });
    var saved = H.SessionStore.load();
    var wanted = new URLSearchParams(window.location.search).get("lang");

    if (saved && saved.id && saved.token) {
      session = saved;
      langsReady.then(function () { return setLanguage(saved.lang || wanted || "en"); }).then(function () {
        if (saved.ended) { showView("chat"); showEnded(); }
        else enterChat(saved.seat ? "connected" : "queued");
      });
      return;
    }
    if (wanted) {
      langsReady.then(function () {
        var list = I.languages();
        if (list && list.length && !I.entry(wanted) && wanted !== "zh") showPicker();
        else chooseLanguage(wanted);
      });
      return;
    }
    showPicker();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

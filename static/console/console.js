/* Agent (seat) console: login, seat state, offers, chat sessions, queues, ticket editor, self-service inbox.
 * The same console is the seat of the sessions it answered and the interpreter of those it joined
 * as a volunteer interpreter (rec.role): an interpreter writes as "interpreter", leaves instead of
 * ending, and gets no ticket and no machine-translation compose.
 * Speaks docs/PROTOCOL.md (POST /api/v1/auth/login, WebSocket /ws/seat).  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;
  var STORE = "hotline.seat";
  var RESEND_MS = 8000;

  var auth = null;             // {token, user, seat}
  var sock = null;
  var langNames = {};          // code -> {name, native}
  var sessions = new Map();    // id -> {id, channel, lang, state, role, interpreter, msgs: Map, pending: Map, present, ended}
  var activeId = null;
  var view = null;             // Transcript bound to #agent-log
  var resendTimer = null;

  /* ---------- storage ---------- */
  function loadAuth() { try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; } }
  function saveAuth() { try { sessionStorage.setItem(STORE, JSON.stringify(auth)); } catch (e) { /* ignore */ } }
  function clearAuth() { try { sessionStorage.removeItem(STORE); } catch (e) { /* ignore */ } }

  /* ---------- errors ---------- */
  function showError(code, msg) {
    var box = $("console-error-text");
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(L.bi("错误", "Error"));
    box.appendChild(H.el("code", { class: "err-code", text: " " + (code || "error") + ": " }));
    box.appendChild(H.el("span", { lang: "en", text: msg || "" }));
    H.show("console-error", true);
  }

  /* ---------- login / logout ---------- */
  function onLogin(ev) {
    ev.preventDefault();
    var btn = $("login-submit");
    if (btn.disabled) return;
    btn.disabled = true;
    H.show("login-error", false);
    H.api("/api/v1/auth/login", { method: "POST", body: { login: $("login-name").value.trim(), password: $("login-password").value } })
      .then(function (res) {
        auth = { token: res.token, user: res.user || {}, seat: res.seat || {} };
        saveAuth();
        $("login-password").value = "";
        enterConsole();
      }, function (err) {
        var box = $("login-error");
        while (box.firstChild) box.removeChild(box.firstChild);
        box.appendChild(err.status === 401 ? L.bi("工号或密码错误", "Wrong login or password") : L.bi("登录失败", "Login failed"));
        box.appendChild(H.el("span", { class: "err-code", lang: "en", text: " (" + err.code + ": " + err.message + ")" }));
        box.hidden = false;
      })
      .then(function () { btn.disabled = false; });
  }

  function logout(expired) {
    var token = auth && auth.token;
    if (token && !expired) H.api("/api/v1/auth/logout", { method: "POST", token: token }).catch(function () {});
    if (sock) sock.stop();
    sock = null;
    clearInterval(resendTimer);
    H.Status.stop();
    clearAuth();
    auth = null;
    sessions.clear();
    activeId = null;
    view.clear();
    H.Offer.hide();
    H.Ticket.reset();
    if (H.Inbox) H.Inbox.stop();
    if (H.Call) H.Call.reset();
    H.show("console-view", false);
    H.show("seat-bar", false);
    H.show("login-view", true);
    if (expired) {
      var box = $("login-error");
      while (box.firstChild) box.removeChild(box.firstChild);
      box.appendChild(L.bi("登录已失效，请重新登录", "Your login has expired, please log in again"));
      box.hidden = false;
    }
    $("login-name").focus();
  }

  function authFailed() { logout(true); }

  function enterConsole() {
    H.show("login-view", false);
    H.show("console-view", true);
    H.show("seat-bar", true);
    var seat = auth.seat || {};
    H.setText("seat-name", (seat.name || (auth.user && auth.user.name) || "") + (seat.kind ? " · " + seat.kind : ""));
    if (seat.state) H.Status.state({ state: seat.state });
    renderSession();
    H.api("/api/v1/languages?all=1").then(function (list) {
      (list || []).forEach(function (l) { langNames[l.code] = l; });
      renderSession();
      if (H.Inbox) H.Inbox.render();
    }, function () {});
    H.api("/api/v1/queues", { token: auth.token }).then(function (q) { H.Status.queues(q, langLabel); }, function (err) {
      if (err.status === 401) authFailed();
    });
    H.Ticket.loadCatalog().catch(function () {});
    if (H.Inbox) H.Inbox.start();
    connect();
  }

  function langLabel(code) {
    var l = langNames[code];
    if (!l) return [String(code || ""), ""];
    return [l.native || l.name || code, l.name && l.name !== l.native ? l.name : ""];
  }

  /* ---------- WebSocket ---------- */
  function connect() {
    sock = new H.ReconnectingSocket({
      url: function () { return H.wsUrl("/ws/seat", { token: auth.token }); },
      onMessage: onMessage,
      onStatus: function (s) {
        var el = $("ws-status");
        el.setAttribute("data-status", s);
        while (el.firstChild) el.removeChild(el.firstChild);
        if (s === "open") el.appendChild(L.bi("已连接", "Online"));
        else if (s !== "stopped") el.appendChild(L.bi("重新连接中…", "Reconnecting…"));
      },
      onFailure: function (n) {
        if (n % 3 !== 0 || !auth) return;
        H.api("/api/v1/queues", { token: auth.token }).catch(function (err) { if (err.status === 401) authFailed(); });
      }
    });
    sock.start();
    clearInterval(resendTimer);
    resendTimer = setInterval(resendPending, RESEND_MS / 2);
  }

  function send(obj) { return !!sock && sock.send(obj); }

  function onMessage(m) {
    if (H.Call) H.Call.onMessage(m);
    switch (m.type) {
      case "hello": return onHello(m);
      case "state": return H.Status.state(m);
      case "offer": return H.Offer.show(m);
      case "offer_withdrawn": return H.Offer.withdraw(m);
      case "session":
        H.Offer.accepted(m.session && m.session.id);
        addSession(m.session, m.transcript, true);
        $("agent-input").focus();
        return;
      case "msg": return onChatMsg(m);
      case "translation": return onTranslation(m);
      case "ack": return onAck(m);
      case "peer": return onPeer(m);
      case "interpreter": return onInterpreter(m);
      case "ended": return onEnded(m);
      case "queues": return H.Status.queues(m.queues, langLabel);
      case "error":
        if (m.code === "bad_token" || m.code === "unauthorized") return authFailed();
        H.Offer.failed();
        H.Interp.failed();
        return showError(m.code, m.message);
      default: return;
    }
  }

  function onHello(m) {
    sock.resetBackoff();
    if (wantState) { var w = wantState; wantState = null; send({ type: "set_state", state: w }); }
    if (m.seat) {
      auth.seat = m.seat;
      saveAuth();
      H.setText("seat-name", (m.seat.name || "") + (m.seat.kind ? " · " + m.seat.kind : ""));
      if (m.seat.state) H.Status.state({ state: m.seat.state, reason: m.seat.reason, until: m.seat.until });
    }
    var listed = {};
    (m.sessions || []).forEach(function (s) {
      listed[s.id] = true;
      addSession(s, s.transcript, false);
    });
    /* sessions the server no longer lists have ended while we were away */
    sessions.forEach(function (s, id) { if (!listed[id] && !s.ended) s.ended = true; });
    if (!activeId || !sessions.has(activeId)) activeId = firstOpenSession();
    showActive();
    sessions.forEach(function (s) {
      s.pending.forEach(function (p, cid) { sendMsg(s, cid, p.text); });
    });
  }

  /* Pressed while the socket is still connecting (just after login, or during a reconnect):
   * remembered and sent as soon as the gateway says hello, instead of refused. */
  var wantState = null;
  function setState(state) {
    if (send({ type: "set_state", state: state })) { wantState = null; return; }
    wantState = state;
    H.Status.state({ state: "connecting", reason: state });
  }

  /* ---------- sessions and chat ---------- */
  function addSession(s, transcript, activate) {
    if (!s || !s.id) return;
    var rec = sessions.get(s.id);
    if (!rec) {
      /* a new conversation replaces finished ones */
      sessions.forEach(function (o, id) { if (o.ended) sessions.delete(id); });
      rec = { id: s.id, msgs: new Map(), pending: new Map(), present: null, ended: false };
      sessions.set(s.id, rec);
    }
    rec.channel = s.channel;
    rec.lang = s.lang;
    rec.state = s.state;
    rec.role = s.role || rec.role || "seat";
    if (s.interpreter !== undefined) rec.interpreter = H.Interp.fromView(s.interpreter);
    if (s.mt) rec.mt = s.mt;
    /* an answered session is open again (e.g. an interpreter invited back into a call they left) */
    if (s.state) rec.ended = s.state === "ended" || s.state === "closed";
    (transcript || []).forEach(function (msg) { if (typeof msg.seq === "number") rec.msgs.set(msg.seq, msg); });
    if (activate || !activeId || !sessions.has(activeId) || sessions.get(activeId).ended) activeId = s.id;
    if (activeId === s.id) showActive(); else renderTabs();
  }

  function firstOpenSession() {
    var found = null;
    sessions.forEach(function (s, id) { if (!found && !s.ended) found = id; });
    return found;
  }

  function showActive() {
    view.clear();
    var s = sessions.get(activeId);
    if (s) {
      view.load(Array.from(s.msgs.values()));
      s.pending.forEach(function (p, cid) { view.addPending(cid, p.text); });
      if (s.ended) view.notice(endedText(s));
    }
    renderSession();
    renderTabs();
  }

  function renderSession() { H.SessionView.render(sessions.get(activeId) || null, langLabel); }

  function renderTabs() {
    H.SessionView.tabs(sessions, activeId, langLabel, function (id) { activeId = id; showActive(); });
  }

  function onChatMsg(m) {
    var s = sessions.get(m.session);
    if (!s || typeof m.seq !== "number") return;
    s.msgs.set(m.seq, m);
    if (m.client_id) s.pending.delete(m.client_id);
    if (m.session === activeId) view.upsert(m);
  }

  function onTranslation(m) {
    var s = sessions.get(m.session);
    var msg = s && H.MT.attach(s.msgs, m);
    if (msg && m.session === activeId) view.upsert(msg);
  }

  function onAck(m) {
    var s = sessions.get(m.session);
    if (!s) return;
    var p = s.pending.get(m.client_id);
    s.pending.delete(m.client_id);
    if (p && typeof m.seq === "number" && !s.msgs.has(m.seq)) {
      s.msgs.set(m.seq, { seq: m.seq, from: ownFrom(s), text: p.text, client_id: m.client_id, ts: new Date().toISOString() });
    }
    if (m.session === activeId) view.ack(m.client_id, m.seq);
  }

  function onPeer(m) {
    var s = sessions.get(m.session);
    if (!s) return;
    var was = s.present;
    s.present = !!m.present;
    if (m.session !== activeId) return;
    renderSession();
    if (was !== s.present && !(was === null && s.present)) {
      view.notice(s.present ? "来电人已重新连接 Caller reconnected" : "来电人连接中断，请稍候 Caller disconnected, please wait", s.present ? "ok" : "warn");
    }
  }

  /* A volunteer interpreter for a session this console holds was asked for, joined, dropped, left. */
  function onInterpreter(m) {
    var s = sessions.get(m.session);
    if (!s || s.role === "interpreter") return;
    var text = H.Interp.update(s, m);
    if (m.session !== activeId) return;
    view.notice(text, m.state === "joined" ? "ok" : m.state === "requested" ? "" : "warn");
    renderSession();
  }

  function endedText(s) {
    var table = s.role === "interpreter" ? L.interpretingEnded : L.endedBy;
    return (s.endedBy && L.text(table, s.endedBy)) || "会话已结束 Session ended";
  }

  function onEnded(m) {
    var s = sessions.get(m.session);
    if (s) {
      s.ended = true;
      s.endedBy = m.by;
      s.interpreter = null;
      if (m.session === activeId) {
        view.notice(endedText(s));
        renderSession();
      }
      renderTabs();
    }
    /* an interpreter's part ending never opens a ticket: the seat keeps the call's */
    if (m.ticket && m.ticket.id && m.role !== "interpreter") openOrOffer(m.ticket);
  }

  /* The call's draft opens in the editor, unless the agent has unsaved edits in another ticket
   * there: then a button in the conversation opens it when they are ready. */
  function openOrOffer(ref) {
    if (!H.Ticket.dirty() || H.Ticket.current() === ref.id) { H.Ticket.open(ref); return; }
    var node = view.notice("工单 " + (ref.number || "") + " 已生成 · Ticket drafted ", "ok");
    var btn = H.el("button", { type: "button", class: "btn", "data-open-ticket": ref.id }, [L.bi("打开", "Open")]);
    btn.addEventListener("click", function () { H.Ticket.open(ref); });
    node.appendChild(btn);
  }

  function sendMsg(s, cid, text) {
    var p = s.pending.get(cid);
    if (p) p.sentAt = Date.now();
    var out = { type: "msg", session: s.id, client_id: cid, text: text };
    var lang = p && p.composeLang;
    if (lang) out.compose_lang = lang;
    return send(out);
  }

  function resendPending() {
    if (!sock || !sock.isOpen()) return;
    var now = Date.now();
    sessions.forEach(function (s) {
      if (s.ended) return;
      s.pending.forEach(function (p, cid) { if (now - p.sentAt >= RESEND_MS) sendMsg(s, cid, p.text); });
    });
  }

  function onSend(ev) {
    ev.preventDefault();
    var s = sessions.get(activeId);
    var input = $("agent-input");
    var text = input.value.trim();
    if (!s || s.ended || !text) return;
    var cid = H.uuid();
    s.pending.set(cid, { text: text, sentAt: 0, composeLang: s.role === "interpreter" ? null : H.MT.composeLang() });
    view.addPending(cid, text);
    sendMsg(s, cid, text);
    input.value = "";
    input.focus();
  }

  /* The seat ends the session; an interpreter only leaves it (the call goes on without them). */
  function endSession() {
    var s = sessions.get(activeId);
    if (!s || s.ended) return;
    var type = s.role === "interpreter" ? "leave" : "end";
    if (!send({ type: type, session: s.id })) showError("offline", "Not connected; try again in a moment. 未连接，请稍后重试。");
  }

  /* Who "we" are in a session: our own lines are stored (and shown) under this. */
  function ownFrom(s) { return s && s.role === "interpreter" ? "interpreter" : "seat"; }

  /* ---------- boot ---------- */
  function boot() {
    view = new H.Transcript($("agent-log"), {
      ownFrom: function () { return ownFrom(sessions.get(activeId)); }, timeLocale: "zh-CN", hour12: false,
      labelFor: function (f) { return L.text(ownFrom(sessions.get(activeId)) === "interpreter" ? L.fromAsInterpreter : L.from, f); },
      sendingText: function () { return "发送中… sending…"; },
      extraText: H.MT.extraText
    });
    H.Offer.init({ send: send, langLabel: langLabel });
    H.Interp.init({
      send: send, langLabel: langLabel, showError: showError,
      /* whom an interpreter can be asked for: the spoken languages (Chinese first), not sign language */
      langs: function () {
        var codes = Object.keys(langNames).filter(function (c) { return c !== "csl" && c !== "zh"; });
        return langNames.zh ? ["zh"].concat(codes) : codes;
      }
    });
    if (H.Call) H.Call.init({ send: send, token: function () { return auth && auth.token; } });
    H.Ticket.init({
      token: function () { return auth && auth.token; },
      onAuthError: authFailed,
      transcriptFor: function (id) {
        var s = sessions.get(id);
        return s ? Array.from(s.msgs.values()) : null;
      },
      langLabel: langLabel,
      seatId: function () { return auth && auth.user && auth.user.id; }
    });
    if (H.Inbox) H.Inbox.init({
      token: function () { return auth && auth.token; },
      onAuthError: authFailed,
      langLabel: langLabel,
      open: function (ref) { H.Ticket.open(ref); }
    });
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", function () { logout(false); });
    $("state-available").addEventListener("click", function () { setState("available"); });
    $("state-away").addEventListener("click", function () { setState("away"); });
    $("agent-form").addEventListener("submit", onSend);
    $("agent-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) onSend(e);
    });
    $("end-session").addEventListener("click", endSession);
    $("console-error-close").addEventListener("click", function () { H.show("console-error", false); });

    auth = loadAuth();
    if (auth && auth.token) enterConsole();
    else $("login-name").focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

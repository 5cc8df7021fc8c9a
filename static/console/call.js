/* Call panel of the agent console for video (sign language) and voice sessions.
 *   Hotline.Call.init({send: fn(obj) -> bool, token: fn() -> seat token})   (the token asks for ICE servers;
 *                               without it, the console's saved login in sessionStorage is used)
 *   Hotline.Call.onMessage(m)   every seat WebSocket message (hello, session, rtc, rtt, card, quality, msg, peer,
 *                               interpreter, ended)
 *   Hotline.Call.render(rec)    the console's active session record changed (or null)
 *   Hotline.Call.reset()        logout
 * The caller offers; the seat answers with its own camera (video) or microphone (voice).  The
 * caller's picture is shown large (the seat reads signing) with the caller's live real-time
 * text beside it, a quality indicator, the caller's card and masked ID.  With a volunteer
 * interpreter in the call, the third party (the interpreter for the seat, the seat for the
 * interpreter) is a small tile and a second live-text line; the connections are callpeers.js.
 * No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  var LEVEL = { good: ["良好", "Good"], fair: ["一般", "Fair"], poor: ["差", "Poor"] };
  var ISSUE = {
    low_fps: "帧率低于 20", low_resolution: "分辨率过低", too_dark: "光线太暗", backlit: "逆光",
    no_person: "画面中没有人", too_far: "离镜头太远", too_near: "离镜头太近", face_not_visible: "看不到脸",
    hands_not_visible: "看不到手", hand_out_of_frame: "手出了画面", no_video: "没有视频"
  };
  var CHIP = {
    noise: "噪音", water: "水", fire: "火灾", injury: "受伤", theft: "盗窃", lost_item: "丢失物品", money: "钱款",
    housing: "住房", transport: "交通", documents: "证件", health: "健康", work: "工作", rubbish: "垃圾",
    animal: "动物", other: "其他"
  };

  var P = null;                /* Hotline.CallPeers */
  var ctx = null;
  /* session id -> {id, channel, role, caller, card, consent, quality, ended, ticket, present, interp,
   *                peer, third (callpeers.js slots: conn, state, remote, rtt, via)} */
  var calls = new Map();
  var activeId = null;

  function isCall(ch) { return ch === "video" || ch === "voice"; }

  function remember(s) {
    if (!s || !s.id || !isCall(s.channel)) return null;
    var c = calls.get(s.id);
    if (!c) {
      calls.forEach(function (o, id) { if (o.ended && id !== s.id) calls.delete(id); });
      c = P.link({ id: s.id, present: true, role: "seat", interp: null });
      calls.set(s.id, c);
    }
    c.channel = s.channel;
    if (s.role) c.role = s.role;
    if (typeof s.caller_present === "boolean") c.present = s.caller_present;
    if (s.interpreter !== undefined) c.interp = s.interpreter ? s.interpreter.state : null;
    if (s.caller) c.caller = s.caller;
    if (s.card !== undefined) c.card = s.card;
    if (s.consent_recording !== undefined) c.consent = !!s.consent_recording;
    if (s.state === "ended" || s.state === "closed") c.ended = true;
    else if (s.state === "active") c.ended = false;     /* e.g. an interpreter invited back into a call they left */
    if (!c.ended) P.localMedia(c.channel);
    return c;
  }

  /* The interpreter offers to both others, afresh: after joining, and after its own connection
   * came back (they dropped their side of it when told we were away). */
  function joinAsInterpreter(c) {
    if (!c || c.role !== "interpreter" || c.ended) return;
    P.offer(c, "peer");
    P.offer(c, "third");
  }

  /* Is the third party's connection expected?  The seat always has one for the interpreter;
   * the seat expects the interpreter's once they joined. */
  function withThird(c) {
    return c.role === "interpreter" || c.interp === "joined";
  }

  function stopLocalIfIdle() {
    var live = false;
    calls.forEach(function (c) { if (!c.ended) live = true; });
    if (!live) P.stopLocal();
  }

  function note(zh, en) {
    var p = $("call-status");
    while (p.firstChild) p.removeChild(p.firstChild);
    if (zh) p.appendChild(L.bi(zh, en));
    p.hidden = !zh;
  }

  /* ---------- the connections ---------- */
  function onRtc(m) {
    var d = m.data || {};
    var c = calls.get(m.session);
    /* an offer can only come from a video or voice caller this seat holds (or a party of a call it interprets) */
    if (!c && d.type === "offer" && typeof d.sdp === "string") c = remember({ id: m.session, channel: /\nm=video /.test(d.sdp) ? "video" : "voice" });
    if (!c || c.ended) return;
    if (d.type === "offer" && P.slotFor(c, m.from) === "peer") c.mediaTried = true;
    P.signal(c, m);
  }

  /* callpeers.js: a connection changed (state, stream, live text) */
  function changed(c, slot) {
    if (slot === "peer" && c.peer) {
      if (c.peer.state === "connected") c.mediaOk = true;
      else if (c.peer.state !== "none") c.mediaTried = true;
    }
    if (c.id !== activeId) return;
    if (slot === "peer") {
      var v = $("call-remote");
      if (c.peer.remote && !c.ended) { if (v.srcObject !== c.peer.remote) playIn(v, c.peer.remote); }
      else v.srcObject = null;
    } else renderThird(c);
    renderMedia(c);
    renderRtt(c);
  }

  function playIn(el, stream) { H.RTC.play(el, stream, function () { H.show("call-unmute", true); }); }

  /* ---------- rendering ---------- */
  function renderRtt(c) {
    var el = $("call-rtt-remote");
    el.textContent = c.peer.rtt || "";
    el.setAttribute("data-via", c.peer.via || "");
    el.classList.toggle("empty", !c.peer.rtt);
    /* the third party's live text, on its own line */
    var third = withThird(c) && !c.ended;
    H.show("call-rtt-third-box", third);
    var h = $("call-rtt-third-h");
    while (h.firstChild) h.removeChild(h.firstChild);
    h.appendChild(c.role === "interpreter" ? L.bi("坐席正在输入", "Agent is typing") : L.bi("口译员正在输入", "Interpreter is typing"));
    var t3 = $("call-rtt-third");
    t3.textContent = third ? c.third.rtt || "" : "";
    t3.setAttribute("data-via", c.third.via || "");
    t3.classList.toggle("empty", !t3.textContent);
  }

  /* The third party's picture (and sound: the element plays both) in a small tile. */
  function renderThird(c) {
    var v = $("call-third");
    var stream = c && !c.ended ? c.third.remote : null;
    if (stream) { if (v.srcObject !== stream) playIn(v, stream); }
    else v.srcObject = null;
    v.setAttribute("data-live", String(!!stream));
  }

  function renderMedia(c) {
    var st = $("call-media-state");
    var s = c.ended ? "ended" : c.present === false ? "caller-gone" : c.peer.state || "none";
    st.setAttribute("data-state", s);
    st.setAttribute("data-third", withThird(c) ? c.third.state : "");
    while (st.firstChild) st.removeChild(st.firstChild);
    var text = {
      connected: ["已接通", "Connected"], connecting: ["正在接通…", "Connecting…"], "new": ["正在接通…", "Connecting…"],
      none: ["等待来电人视频…", "Waiting for the caller's media…"], failed: ["连接失败，等待重连", "Failed, waiting for the caller to retry"],
      disconnected: ["连接不稳定…", "Unstable…"], "caller-gone": ["来电人连接中断", "Caller disconnected"], ended: ["通话已结束", "Call ended"]
    }[s] || [s, ""];
    st.appendChild(L.bi(text[0], text[1]));
  }

  function renderQuality(c) {
    var box = $("call-quality");
    var q = c.quality;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.setAttribute("data-level", q && q.level ? q.level : "");
    if (!q) { box.appendChild(L.bi("画质：暂无数据", "Quality: no data yet")); return; }
    var lv = LEVEL[q.level] || [String(q.level || "?"), ""];
    box.appendChild(H.el("span", { class: "q-dot", "aria-hidden": "true" }));
    box.appendChild(L.bi("画质：" + lv[0], "Quality: " + lv[1]));
    var facts = [];
    if (typeof q.fps === "number") facts.push(q.fps + " fps");
    if (q.width && q.height) facts.push(q.width + "×" + q.height);
    if (facts.length) box.appendChild(H.el("span", { class: "q-facts", text: facts.join(" · ") }));
    var codes = [].concat(q.issues || [], q.guidance || []).filter(function (x, i, a) { return a.indexOf(x) === i; });
    if (codes.length) {
      box.appendChild(H.el("ul", { class: "q-issues" }, codes.map(function (code) {
        return H.el("li", { "data-issue": code, text: ISSUE[code] || String(code) });
      })));
    }
  }

  function renderCard(c) {
    var dl = $("call-card-fields");
    var card = c.card || {};
    while (dl.firstChild) dl.removeChild(dl.firstChild);
    var rows = [["地址", "Address", card.address, "address"], ["电话", "Phone", card.phone_masked, "phone"],
      ["事情经过", "What happened", card.what, "what"]];
    rows.forEach(function (r) {
      if (!r[2]) return;
      dl.appendChild(H.el("div", { "data-field": r[3] }, [H.el("dt", null, [L.bi(r[0], r[1])]), H.el("dd", { dir: "auto", text: r[2] })]));
    });
    var chips = Array.isArray(card.chips) ? card.chips : [];
    if (chips.length) {
      dl.appendChild(H.el("div", { "data-field": "chips" }, [H.el("dt", null, [L.bi("类别", "Topics")]),
        H.el("dd", { class: "card-chips" }, chips.map(function (code) {
          return H.el("span", { class: "card-chip", "data-chip": code }, [H.picto(code), " " + (CHIP[code] || code)]);
        }))]));
    }
    H.show("call-card-empty", !dl.firstChild);
    var ticketOpen = !!c.ticket && $("ticket") && !$("ticket").hidden && $("ticket").getAttribute("data-ticket-id") === c.ticket.id;
    $("call-fill-ticket").disabled = !ticketOpen || !(card.address || card.what);
    var hint = $("call-card-note");
    while (hint.firstChild) hint.removeChild(hint.firstChild);
    hint.appendChild(c.ended ? L.bi("可一键填入工单", "One click fills the ticket")
      : L.bi("通话结束时，卡片内容会自动写入工单草稿", "The card goes into the draft ticket automatically when the call ends"));
  }

  function renderCaller(c) {
    var p = $("call-caller-id");
    while (p.firstChild) p.removeChild(p.firstChild);
    var who = c.caller || {};
    var parts = [];
    if (who.id_masked) parts.push(["身份证", "ID", who.id_masked]);
    if (who.disability_cert_masked) parts.push(["残疾人证", "Certificate", who.disability_cert_masked]);
    if (who.phone_masked) parts.push(["电话", "Phone", who.phone_masked]);
    parts.forEach(function (x) {
      p.appendChild(H.el("span", { class: "id-item" }, [L.bi(x[0], x[1]), H.el("code", { text: " " + x[2] })]));
    });
    p.appendChild(H.el("span", { class: "consent", "data-consent": String(!!c.consent) },
      [c.consent ? L.bi("已同意录像", "Recording consented") : L.bi("未同意录像", "No recording")]));
  }

  function render(rec) {
    activeId = rec ? rec.id : null;
    var c = activeId ? calls.get(activeId) : null;
    var panel = $("call-panel");
    if (!c || (rec && !isCall(rec.channel))) {
      panel.hidden = true;
      $("call-remote").srcObject = null;
      renderThird(null);
      return;
    }
    if (rec && rec.ended) c.ended = true;
    panel.hidden = false;
    panel.setAttribute("data-channel", c.channel);
    panel.setAttribute("data-role", c.role);
    panel.setAttribute("data-session", c.id);
    panel.classList.toggle("ended", !!c.ended);
    var v = $("call-remote");
    if (c.peer.remote && !c.ended) { if (v.srcObject !== c.peer.remote) playIn(v, c.peer.remote); }
    else v.srcObject = null;
    renderThird(c);
    $("call-rtt-input").disabled = !!c.ended;
    renderMedia(c);
    renderRtt(c);
    renderQuality(c);
    renderCard(c);
    renderCaller(c);
  }

  function rerender(id) { if (id === activeId) render({ id: id, channel: (calls.get(id) || {}).channel }); }

  /* ---------- my real-time text ---------- */
  function sendRtt(text) {
    var c = calls.get(activeId);
    if (!c || c.ended) return;
    P.sendRtt(c, text, withThird(c));
  }

  /* Enter: the line becomes a normal chat message, sent through the console's reply form. */
  function commitRtt() {
    var box = $("call-rtt-input");
    var text = box.value.trim();
    if (!text) return;
    var reply = $("agent-input"), draft = reply.value;
    reply.value = text;
    var form = $("agent-form");
    if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", { cancelable: true }));
    reply.value = draft;                      /* a reply being written there is kept */
    box.value = "";
    sendRtt("");
  }

  /* ---------- "Fill ticket": the card into the open ticket editor, saved with PATCH ---------- */
  function fillTicket() {
    var c = calls.get(activeId);
    if (!c || !c.card) return;
    var addr = $("ticket-address"), text = $("ticket-text-zh");
    if (c.card.address) addr.value = c.card.address;
    var what = (c.card.what || "").trim();
    if (what && text.value.indexOf(what) < 0) text.value = text.value ? text.value.replace(/\s+$/, "") + "\n" + what : what;
    addr.dispatchEvent(new Event("input", { bubbles: true }));
    $("ticket-save").click();
  }

  /* ---------- messages ---------- */
  function onMessage(m) {
    var c;
    switch (m.type) {
      case "hello": (m.sessions || []).forEach(function (s) { joinAsInterpreter(remember(s)); }); return;
      case "session": joinAsInterpreter(remember(m.session)); return;
      case "rtc": return onRtc(m);
      case "rtt":
        c = calls.get(m.session);
        if (c && m.data && typeof m.data.text === "string") {
          var ln = c[P.slotFor(c, m.from)];
          ln.rtt = m.data.text;
          ln.via = "ws";
          if (c.id === activeId) renderRtt(c);
        }
        return;
      case "card":
        c = calls.get(m.session);
        if (c) { c.card = m.card || null; rerender(c.id); }
        return;
      case "quality":
        c = calls.get(m.session);
        if (c) { c.quality = m; if (c.id === activeId) renderQuality(c); }
        return;
      case "msg":                               /* the line is stored: it is no longer being typed */
        c = calls.get(m.session);
        if (!c || (m.from !== "caller" && m.from !== P.party(c, "third"))) return;
        c[m.from === "caller" ? "peer" : "third"].rtt = "";
        if (c.id === activeId) renderRtt(c);
        return;
      case "peer":
        c = calls.get(m.session);
        if (!c) return;
        var was = c.present;
        c.present = !!m.present;
        if (!m.present) P.close(c, "peer");     /* the caller offers again when back (to the seat) */
        else if (c.role === "interpreter" && (was === false || c.peer.state !== "connected")) P.offer(c, "peer");   /* we offer to them */
        rerender(c.id);
        return;
      case "interpreter":                       /* the seat: the interpreter's connection goes when they do */
        c = calls.get(m.session);
        if (!c || c.role !== "seat") return;
        c.interp = m.state === "left" || m.state === "cancelled" ? null : m.state;
        if (m.state !== "joined") { P.close(c, "third"); c.third.rtt = ""; }
        rerender(c.id);
        return;
      case "ended":
        c = calls.get(m.session);
        if (!c) return;
        c.ended = true;
        c.ticket = m.ticket || null;
        c.peer.rtt = c.third.rtt = "";
        /* the caller's page gives up (and ends) when media never connects, e.g. a TURN server refusing it */
        if (c.mediaTried && !c.mediaOk) {
          note(c.channel === "video" ? "视频始终未能接通，通话已结束。来电人可改用文字聊天。" : "语音始终未能接通，通话已结束。来电人可改用文字聊天。",
               (c.channel === "video" ? "The video" : "The voice call") + " never connected; the call has ended. The caller was offered the text chat.");
        }
        P.close(c);
        stopLocalIfIdle();
        setTimeout(function () { rerender(c.id); }, 0);   /* after the ticket editor opened */
        return;
      default: return;
    }
  }

  function reset() {
    calls.forEach(function (c) { P.close(c); });
    calls.clear();
    P.stopLocal();
    render(null);
  }

  /* The seat's bearer token, for GET /api/v1/ice (the console passes it in). */
  function token() {
    return ctx && ctx.token ? ctx.token() : null;
  }

  function init(c) {
    ctx = c;
    P = H.CallPeers;
    P.init({ send: c.send, note: note, changed: changed, token: token });
    $("call-rtt-input").addEventListener("input", function (e) { sendRtt(e.target.value); });
    $("call-rtt-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); commitRtt(); }
    });
    $("call-fill-ticket").addEventListener("click", fillTicket);
    $("call-unmute").addEventListener("click", function () {
      ["call-remote", "call-third"].forEach(function (id) {     /* both voices */
        var v = $(id);
        v.muted = false;
        if (v.srcObject) v.play().catch(function () {});
      });
      H.show("call-unmute", false);
    });
    /* the ticket editor opening or closing changes what "Fill ticket" can do */
    new MutationObserver(function () { rerender(activeId); }).observe($("ticket"), { attributes: true, attributeFilter: ["hidden", "data-ticket-id"] });
  }

  H.Call = { init: init, onMessage: onMessage, render: render, reset: reset };
})();

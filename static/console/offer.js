/* Offer panel: a caller is routed to this seat and waits for accept/reject.
 *   Hotline.Offer.init({send: fn(obj) -> bool, langLabel: fn(code) -> [native, english]})
 *   Hotline.Offer.show(offerMsg) / withdraw(msg) / accepted(sessionId) / failed() / hide()
 * An offer on the "interpret" channel asks a volunteer to interpret in a call another seat holds:
 * it shows that call's channel, language and seat too (session.parent).
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  var ctx = null;
  var current = null;   // {id, channel, lang, waiting_s, priority, receivedAt, expiresAt, accepting}
  var timer = null;
  var titleBase = document.title;

  function note(zhEn) {
    var box = $("offer-note");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!zhEn) { box.hidden = true; return; }
    box.appendChild(L.bi(zhEn[0], zhEn[1]));
    box.hidden = false;
  }

  function beep() {
    try {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      var ac = beep.ac || (beep.ac = new AC());
      var o = ac.createOscillator();
      var g = ac.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.0001, ac.currentTime);
      g.gain.exponentialRampToValueAtTime(0.2, ac.currentTime + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, ac.currentTime + 0.5);
      o.connect(g); g.connect(ac.destination);
      o.start(); o.stop(ac.currentTime + 0.55);
    } catch (e) { /* sound is a nicety only */ }
  }

  function tick() {
    if (!current) return;
    var now = Date.now();
    var left = Math.max(0, Math.ceil((current.expiresAt - now) / 1000));
    H.setText("offer-countdown", left + " s");
    $("offer-countdown").parentNode.classList.toggle("urgent", left <= 5);
    H.setText("offer-wait", H.mmss(current.waiting_s + (now - current.receivedAt) / 1000));
    if (left <= 0 && !current.accepting) {
      $("offer-accept").disabled = true;
      $("offer-reject").disabled = true;
    }
    document.title = (Math.floor(now / 1000) % 2 ? "【新会话】" : "【Incoming】") + titleBase;
  }

  function stopTimer() {
    clearInterval(timer);
    timer = null;
    document.title = titleBase;
  }

  function show(m) {
    var s = m.session || {};
    if (!s.id) return;
    current = {
      id: s.id,
      channel: s.channel,
      lang: s.lang,
      waiting_s: Number(s.waiting_s) || 0,
      priority: s.priority,
      receivedAt: Date.now(),
      expiresAt: Date.now() + (Number(m.expires_in_s) || 20) * 1000,
      accepting: false
    };
    var names = ctx.langLabel(s.lang);
    var langBox = $("offer-lang");
    while (langBox.firstChild) langBox.removeChild(langBox.firstChild);
    langBox.appendChild(H.el("span", { class: "offer-native", lang: s.lang || null, dir: "auto", text: names[0] }));
    if (names[1]) langBox.appendChild(H.el("span", { class: "en", lang: "en", text: " " + names[1] }));
    var ch = $("offer-channel");
    while (ch.firstChild) ch.removeChild(ch.firstChild);
    ch.appendChild(L.biFor(L.channel, s.channel));
    var parent = $("offer-parent");
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    if (s.channel === "interpret") parent.appendChild(parentFacts(s.parent || {}));
    H.show("offer-parent-row", s.channel === "interpret");
    $("offer").setAttribute("data-channel", s.channel || "");
    var hasPriority = s.priority !== undefined && s.priority !== null && s.priority !== 0 && s.priority !== "normal" && s.priority !== false;
    H.setText("offer-priority", hasPriority ? String(s.priority) : "");
    H.show("offer-priority-row", hasPriority);
    $("offer-accept").disabled = false;
    $("offer-reject").disabled = false;
    note(null);
    H.show("offer", true);
    stopTimer();
    tick();
    timer = setInterval(tick, 250);
    beep();
    $("offer-accept").focus();
  }

  /* An interpreting request: which call it is for ("语音 Voice · Українська · <the seat>"). */
  function parentFacts(p) {
    var names = p.lang ? ctx.langLabel(p.lang) : null;
    return H.el("span", { class: "offer-parent" }, [
      L.biFor(L.channel, p.channel),
      names ? " · " : null, names ? H.el("span", { lang: p.lang, dir: "auto", text: names[0] }) : null,
      names && names[1] ? H.el("span", { class: "en", lang: "en", text: " " + names[1] }) : null,
      p.seat_name ? H.el("span", { class: "offer-seat", dir: "auto", text: " · " + p.seat_name }) : null
    ]);
  }

  function hide() {
    current = null;
    stopTimer();
    H.show("offer", false);
  }

  function withdraw(m) {
    if (current && m.session && m.session !== current.id) return;
    hide();
    var why = L.withdrawn[m.reason] || ["会话请求已收回", "Offer withdrawn" + (m.reason ? " (" + m.reason + ")" : "")];
    note(why);
  }

  function respond(type) {
    if (!current) return;
    var id = current.id;
    if (!ctx.send({ type: type, session: id })) {
      note(["连接中断，请稍候重试", "Not connected, please retry"]);
      return;
    }
    $("offer-accept").disabled = true;
    $("offer-reject").disabled = true;
    if (type === "accept") {
      current.accepting = true;
      note(["正在接入…", "Connecting…"]);
    } else {
      hide();
      note(["已拒绝", "Rejected"]);
    }
  }

  /* The `session` message for the accepted offer arrived.  For an interpreting request it names the
   * call we join, not the request we accepted. */
  function accepted(sessionId) {
    if (current && (current.id === sessionId || (current.channel === "interpret" && current.accepting))) hide();
    note(null);
  }

  /* The server answered our accept/reject with an error (e.g. offer already gone). */
  function failed() {
    if (current && current.accepting) { hide(); note(null); }
  }

  function init(c) {
    ctx = c;
    $("offer-accept").addEventListener("click", function () { respond("accept"); });
    $("offer-reject").addEventListener("click", function () { respond("reject"); });
  }

  H.Offer = { init: init, show: show, hide: hide, withdraw: withdraw, accepted: accepted, failed: failed, note: note };
})();

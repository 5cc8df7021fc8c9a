/* Inviting a volunteer interpreter into the active session (docs/PROTOCOL.md "Interpreting"), for
 * the seat that holds it, whatever the channel: a language and "Invite"; then the request's status
 * (waiting time, ringing, joined with the interpreter's name, connection lost) and "Dismiss", which
 * cancels a request or lets the interpreter go.  The console keeps each session's rec.interpreter
 * (null or {state, lang, name, since}) from session views and `interpreter` events.
 *   Hotline.Interp.init({send: fn(obj) -> bool, langLabel: fn(code) -> [native, english],
 *                        langs: fn() -> [code], showError: fn(code, message)})
 *   Hotline.Interp.fromView(v) -> rec.interpreter      a session view's `interpreter`
 *   Hotline.Interp.update(rec, m) -> notice text|null  an `interpreter` event about rec
 *   Hotline.Interp.render(rec)                         the active session (or null)
 *   Hotline.Interp.failed()                            the gateway refused our invite or dismiss
 * No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  var ctx = null;
  var shown = null;          // the session record on screen
  var busy = false;          // an invite or dismiss went out and is not answered yet
  var timer = null;
  var filled = "";           // what the <select> was filled for: session id and language list

  function fromView(v) {
    if (!v || typeof v !== "object" || !v.state) return null;
    return { state: v.state, lang: v.lang, name: v.name || null, since: Date.now() - (Number(v.waiting_s) || 0) * 1000 };
  }

  function update(rec, m) {
    busy = false;
    var cur = rec.interpreter;
    if (m.state === "left" || m.state === "cancelled") rec.interpreter = null;
    else {
      var again = m.state === "requested" && (!cur || cur.state !== "requested");   /* asked afresh: the wait starts now */
      rec.interpreter = { state: m.state, lang: m.lang || (cur && cur.lang), name: m.name || (cur && cur.name) || null,
                          since: again || !cur ? Date.now() : cur.since };
    }
    var text = L.text(L.interpreterState, m.state);
    return m.name && m.state !== "requested" ? text + " · " + m.name : text;
  }

  /* ---------- rendering ---------- */
  function fillLangs(rec) {
    var codes = ctx.langs();
    if (!codes.length && rec.lang !== "csl") codes = [rec.lang];       /* the list is still loading */
    var key = rec.id + "|" + codes.join(",");
    var sel = $("interp-lang");
    if (key === filled) return;
    filled = key;
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    /* a signed call has no spoken language of its own: the seat chooses (English, the caller's other language...) */
    var def = rec.lang !== "csl" && codes.indexOf(rec.lang) >= 0 ? rec.lang : "";
    if (!def) sel.appendChild(H.el("option", { value: "", text: "— 请选择 Choose —" }));
    codes.forEach(function (code) {
      var n = ctx.langLabel(code);
      sel.appendChild(H.el("option", { value: code, text: n[0] + (n[1] ? "  " + n[1] : "") }));
    });
    sel.value = rec.interpPick && codes.indexOf(rec.interpPick) >= 0 ? rec.interpPick : def;
  }

  function drawStatus() {
    var st = shown && shown.interpreter;
    var p = $("interp-status");
    while (p.firstChild) p.removeChild(p.firstChild);
    p.hidden = !st;
    if (!st) return;
    var pair = L.pair(L.interpreterState, st.state);
    p.appendChild(L.bi(pair[0], pair[1]));
    if (st.lang) p.appendChild(H.el("span", { class: "interp-lang", text: " · " + ctx.langLabel(st.lang)[0] }));
    if (st.name && (st.state === "joined" || st.state === "away")) {
      p.appendChild(H.el("strong", { class: "interp-name", dir: "auto", text: " · " + st.name }));
    }
    if (st.state === "requested" || st.state === "ringing") {
      p.appendChild(H.el("span", { class: "interp-wait", text: " · " + H.mmss((Date.now() - st.since) / 1000) }));
    }
  }

  function render(rec) {
    shown = rec || null;
    clearInterval(timer);
    timer = null;
    var bar = $("interp-bar");
    var can = !!rec && !rec.ended && rec.role !== "interpreter";
    bar.hidden = !can;
    if (!can) return;
    fillLangs(rec);
    var st = rec.interpreter;
    bar.setAttribute("data-state", st ? st.state : "");
    H.show("interp-ask", !st);
    H.show("interp-dismiss", !!st);
    $("interp-dismiss").disabled = busy;
    $("interp-invite").disabled = busy || !$("interp-lang").value;
    drawStatus();
    if (st && (st.state === "requested" || st.state === "ringing")) timer = setInterval(drawStatus, 1000);
  }

  /* ---------- actions ---------- */
  function request(type, extra) {
    var rec = shown;
    if (!rec || rec.ended || busy) return;
    if (!ctx.send(Object.assign({ type: type, session: rec.id }, extra || {}))) {
      ctx.showError("offline", "Not connected; try again in a moment. 未连接，请稍后重试。");
      return;
    }
    busy = true;                /* until the `interpreter` event (or an error) answers */
    render(rec);
  }

  function failed() {
    if (!busy) return;
    busy = false;
    render(shown);
  }

  function init(c) {
    ctx = c;
    $("interp-invite").addEventListener("click", function () {
      var lang = $("interp-lang").value;
      if (lang) request("invite", { lang: lang });
    });
    $("interp-dismiss").addEventListener("click", function () { request("dismiss"); });
    $("interp-lang").addEventListener("change", function (e) {
      if (shown) shown.interpPick = e.target.value;
      $("interp-invite").disabled = busy || !e.target.value;
    });
  }

  H.Interp = { init: init, fromView: fromView, update: update, render: render, failed: failed };
})();

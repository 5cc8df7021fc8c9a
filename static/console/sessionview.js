/* The console's session header: controls enabled for the open session, its language, channel and
 * role (seat or interpreter), the caller's presence, and the tabs when a seat holds several.
 *   Hotline.SessionView.render(s, langLabel)                      s: the active session record or null
 *   Hotline.SessionView.tabs(sessions: Map, activeId, langLabel, onPick(id))
 * No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  function controls(s) {
    var open = !!s && !s.ended;
    H.show("no-session", !s);
    $("agent-input").disabled = !open;
    $("agent-send").disabled = !open;
    $("end-session").disabled = !open;
    var interpreting = !!s && s.role === "interpreter";
    var end = $("end-session");
    if (end.getAttribute("data-role") !== (interpreting ? "interpreter" : "seat")) {
      end.setAttribute("data-role", interpreting ? "interpreter" : "seat");
      while (end.firstChild) end.removeChild(end.firstChild);
      H.append(end, interpreting ? L.bi("离开", "Leave") : L.bi("结束会话", "End session"));
    }
    $("agent-log").setAttribute("data-role", interpreting ? "interpreter" : "seat");
    return interpreting;
  }

  function info(s, interpreting, langLabel) {
    var box = $("session-info");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!s) return;
    var names = langLabel(s.lang);
    H.append(box, [H.el("span", { lang: s.lang, text: names[0] }), names[1] ? H.el("span", { class: "en", lang: "en", text: " " + names[1] }) : null,
      " · ", L.biFor(L.channel, s.channel)]);
    if (interpreting) H.append(box, [" · ", H.el("strong", { class: "session-role", "data-role": "interpreter" }, [L.biFor(L.role, "interpreter")])]);
  }

  function presence(s) {
    var pres = $("caller-presence");
    while (pres.firstChild) pres.removeChild(pres.firstChild);
    pres.setAttribute("data-present", !s || s.ended ? "" : String(s.present !== false));
    if (s && !s.ended) pres.appendChild(s.present === false ? L.bi("来电人连接中断", "Caller disconnected") : L.bi("来电人在线", "Caller online"));
  }

  function render(s, langLabel) {
    var interpreting = controls(s);
    H.MT.renderCompose(interpreting ? null : s);        /* an interpreter writes the languages themself */
    H.Interp.render(s || null);
    if (H.Call) H.Call.render(s || null);
    info(s, interpreting, langLabel);
    presence(s);
  }

  function tabs(sessions, activeId, langLabel, onPick) {
    var box = $("session-tabs");
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = sessions.size < 2;
    sessions.forEach(function (s, id) {
      var b = H.el("button", { type: "button", class: "btn tab", "aria-pressed": String(id === activeId), "data-session": id,
        "data-role": s.role, text: (s.role === "interpreter" ? L.role.interpreter[0] + " · " : "") + langLabel(s.lang)[0] + (s.ended ? " ✓" : "") });
      b.addEventListener("click", function () { onPick(id); });
      box.appendChild(b);
    });
  }

  H.SessionView = { render: render, tabs: tabs };
})();

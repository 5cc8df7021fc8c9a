/* "自助工单 Self-service" inbox: drafts that residents submitted themselves through the mini
 * program or Open311 (status draft, channel miniapp), waiting for an agent to check and accept.
 *   Hotline.Inbox.init({token: fn, onAuthError: fn(err), langLabel: fn(code) -> [native, english],
 *                       open: fn({id, number, status})})
 *   Hotline.Inbox.start(); Hotline.Inbox.stop(); Hotline.Inbox.refresh(); Hotline.Inbox.render()
 * Every seat has it, in a call or not; it only reads the list and opens the ticket editor.
 * Refreshes every 30 s, when the panel is opened and when the editor saves or submits a ticket
 * (the "ticketchange" event of #ticket).  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;
  var REFRESH_MS = 30000;
  var LIMIT = 50;
  var LIST_URL = "/api/v1/tickets?status=draft&channel=miniapp&limit=" + LIMIT;
  var OPEN_KEY = "hotline.inbox.open";

  var ctx = null;
  var items = [];          // the list as last loaded, newest first
  var loaded = false;
  var failed = false;
  var timer = null;
  var running = false;
  var generation = 0;      // answers to requests made before a stop() or a newer request are dropped
  var inflight = null;

  /* ---------- loading ---------- */
  /* force: drop an answer still on its way (it may predate a change) and ask again */
  function refresh(force) {
    if (!running || !ctx.token()) return Promise.resolve(items);
    if (force === true) { generation++; inflight = null; }
    if (inflight) return inflight;
    var gen = ++generation;
    inflight = H.api(LIST_URL, { token: ctx.token() }).then(function (list) {
      if (gen !== generation) return items;
      items = (Array.isArray(list) ? list : []).filter(function (t) { return t && t.id && t.status === "draft"; });
      items.sort(function (a, b) { return (Number(b.created_at) || 0) - (Number(a.created_at) || 0); });
      loaded = true;
      failed = false;
      render();
      return items;
    }, function (err) {
      if (gen !== generation) return items;
      if (err.status === 401) { ctx.onAuthError(err); return items; }
      failed = true;            // keep showing the last list; say it may be stale
      render();
      return items;
    }).then(function (r) { if (gen === generation) inflight = null; return r; });
    return inflight;
  }

  function start() {
    running = true;
    clearInterval(timer);
    timer = setInterval(function () { refresh(); }, REFRESH_MS);
    refresh();
  }

  function stop() {
    running = false;
    generation++;
    inflight = null;
    clearInterval(timer);
    timer = null;
    items = [];
    loaded = false;
    failed = false;
    render();
  }

  /* ---------- rendering ---------- */
  function attachmentCount(t) {
    var a = t.attachments;
    return Array.isArray(a) ? a.length : Number(a) || 0;
  }

  /* The request itself: the first line of the Chinese draft, after its "｜【诉求】" head if it has
   * one (type, department and place are in the editor); the resident's own words if there is none. */
  function preview(t) {
    var zh = String(t.text_zh || "").trim();
    if (zh) {
      var line = zh.split("\n")[0];
      var req = line.split("｜【诉求】");
      return { text: (req.length > 1 ? req[req.length - 1] : line).trim() || line, lang: "zh" };
    }
    return { text: String(t.text_original || "").trim().split("\n")[0], lang: t.lang || "" };
  }

  /* Line icons as inline SVG (an intranet PC may have no emoji font); the text is beside them, hidden. */
  var ICONS = {
    photo: ["M3 8h4l2-3h6l2 3h4v11H3z", ["circle", 12, 13, 3.5]],
    flag: ["M12 3.5L22 20.5H2z", "M12 10v5", "M12 17.8v.01"]
  };
  function icon(name) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    [["viewBox", "0 0 24 24"], ["class", "inbox-icon"], ["aria-hidden", "true"], ["focusable", "false"], ["fill", "none"],
      ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"], ["stroke-linejoin", "round"]]
      .forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    ICONS[name].forEach(function (d) {
      var shape = document.createElementNS(NS, Array.isArray(d) ? "circle" : "path");
      if (Array.isArray(d)) { shape.setAttribute("cx", d[1]); shape.setAttribute("cy", d[2]); shape.setAttribute("r", d[3]); }
      else shape.setAttribute("d", d);
      svg.appendChild(shape);
    });
    return svg;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* 14:05 today, 11-27 14:05 before (the full time is in the title) */
  function shortTime(v) {
    var d = typeof v === "number" ? new Date(v > 1e12 ? v : v * 1000) : new Date(v);
    if (isNaN(d.getTime())) return "";
    var now = new Date();
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    return d.toDateString() === now.toDateString() ? hm : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
  }

  function flagText(f) {
    var name = String(f).split(":")[0];
    var p = L.draftFlag[name];
    return p ? p[0] + " " + p[1] : String(f);
  }

  function item(t, openId) {
    var lang = ctx.langLabel ? ctx.langLabel(t.lang) : [t.lang, ""];
    var text = preview(t);
    var flags = Array.isArray(t.draft_flags) ? t.draft_flags : [];
    var photos = attachmentCount(t);
    var when = typeof t.created_at === "number" ? new Date(t.created_at > 1e12 ? t.created_at : t.created_at * 1000) : new Date(t.created_at);
    var marks = H.el("span", { class: "inbox-marks" }, [
      photos ? H.el("span", { class: "inbox-photo", title: "照片 Photo" }, [
        icon("photo"),
        H.el("span", { class: "visually-hidden", text: "有照片 Photo" + (photos > 1 ? " ×" + photos : "") })]) : null,
      flags.length ? H.el("span", { class: "inbox-flag", title: flags.map(flagText).join("\n") }, [
        icon("flag"),
        H.el("span", { class: "visually-hidden", text: "请核对 Check: " + flags.map(flagText).join("; ") })]) : null
    ]);
    var btn = H.el("button", {
      type: "button", class: "inbox-item", "data-ticket-id": t.id, "data-number": t.number || "",
      "data-photo": photos ? "true" : "false", "data-flagged": flags.length ? "true" : "false",
      "aria-current": t.id === openId ? "true" : null
    }, [
      H.el("span", { class: "inbox-row" }, [
        H.el("span", { class: "inbox-number", text: t.number || t.id }),
        H.el("span", { class: "inbox-lang", lang: t.lang || null, title: lang[1] || null, text: lang[0] || t.lang || "" })
      ]),
      H.el("span", { class: "inbox-text", lang: text.lang || null, dir: "auto", text: text.text || "—" }),
      H.el("span", { class: "inbox-row" }, [
        H.el("time", { class: "inbox-time", datetime: isNaN(when.getTime()) ? null : when.toISOString(),
          title: L.time(t.created_at), text: shortTime(t.created_at) }),
        marks
      ])
    ]);
    btn.addEventListener("click", function () { ctx.open({ id: t.id, number: t.number, status: t.status }); });
    return H.el("li", null, [btn]);
  }

  function render() {
    var count = $("inbox-count");
    var n = items.length;
    count.textContent = n >= LIMIT ? LIMIT + "+" : String(n);
    count.setAttribute("data-count", String(n));
    count.hidden = !loaded;

    var list = $("inbox-list");
    var openId = currentTicketId();
    /* keep the focused item focused across a refresh */
    var focused = document.activeElement && list.contains(document.activeElement) ?
      document.activeElement.getAttribute("data-ticket-id") : null;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (ctx) items.forEach(function (t) { list.appendChild(item(t, openId)); });
    if (focused) {
      var again = list.querySelector('[data-ticket-id="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }

    /* a status line: rewritten only when it changes, so a refresh every 30 s is not re-announced */
    var state = failed ? "error" : !loaded ? "loading" : !n ? "empty" : "";
    var note = $("inbox-note");
    if (note.getAttribute("data-state") !== state) {
      while (note.firstChild) note.removeChild(note.firstChild);
      if (state === "error") note.appendChild(L.bi("无法刷新，稍后重试", "Could not refresh; trying again soon"));
      else if (state === "loading") note.appendChild(L.bi("加载中…", "Loading…"));
      else if (state === "empty") note.appendChild(L.bi("暂无待核对的自助工单", "No self-service reports to check"));
      note.setAttribute("data-state", state);
    }
    note.hidden = !state;
  }

  function currentTicketId() {
    var t = $("ticket");
    return t && !t.hidden ? t.getAttribute("data-ticket-id") : null;
  }

  function markCurrent() {
    var openId = currentTicketId();
    document.querySelectorAll("#inbox-list .inbox-item").forEach(function (b) {
      if (b.getAttribute("data-ticket-id") === openId) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }

  /* ---------- open / close ---------- */
  function setOpen(open) {
    $("inbox-toggle").setAttribute("aria-expanded", String(open));
    H.show("inbox-body", open);
    try { sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* ignore */ }
  }

  function toggle() {
    var open = $("inbox-toggle").getAttribute("aria-expanded") !== "true";
    setOpen(open);
    if (open) refresh(true);
  }

  /* The editor saved or submitted a ticket: an accepted one leaves at once, then the list is reloaded. */
  function onTicketChange(ev) {
    var t = ev.detail || {};
    if (t.id && t.status && t.status !== "draft") {
      var before = items.length;
      items = items.filter(function (x) { return x.id !== t.id; });
      if (items.length !== before) render();
    }
    refresh(true);
  }

  function init(c) {
    ctx = c;
    $("inbox-toggle").addEventListener("click", toggle);
    var open = false;
    try { open = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* ignore */ }
    setOpen(open);
    $("ticket").addEventListener("ticketchange", onTicketChange);
    new MutationObserver(markCurrent).observe($("ticket"), { attributes: true, attributeFilter: ["hidden", "data-ticket-id"] });
    render();
  }

  H.Inbox = { init: init, start: start, stop: stop, refresh: refresh, render: render };
})();

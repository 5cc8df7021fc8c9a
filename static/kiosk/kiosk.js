/* Airport kiosk (/kiosk?kiosk=PVG-T2-01): attract loop -> language -> "talk now" (the caller page
 * in a same-origin iframe) or "take it with you" (the mini program's QR code).
 * Counts, anonymously, language_chosen and qr_shown (POST /api/v1/kiosk/events); the gateway counts
 * call_started itself.  No innerHTML: every text goes in with textContent. */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var ID_RE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
  var CYCLE_MS = 2000;
  var AVAIL_MS = 15000;
  var VIEWS = ["error", "attract", "languages", "choices", "channels", "qr", "call"];
  var BACK = { languages: "attract", choices: "languages", channels: "choices", qr: "choices", call: "choices" };
  var CHANNEL_KEY = { chat: "channel_chat", voice: "channel_voice", video: "channel_video" };
  var LIVE = { connected: 1, "media-reconnecting": 1 };

  var kiosk = null;
  var languages = [];          // [{code, native, name, dir}]
  var strings = {};            // code -> {key: text}
  var lang = null;             // the visitor's language, null on the attract loop
  var channels = [];           // channels with a seat online for lang
  var view = null;
  var cycleTimer = null, cycleAt = 0, availTimer = null;
  var frame = null, frameChannel = null, logObserver = null;
  var idle = null;

  /* ---------- strings ---------- */
  function s(key, values, code) {
    var table = strings[code || lang || "en"] || {};
    var text = table[key] !== undefined ? table[key] : (strings.en || {})[key];
    if (text === undefined) text = key;
    return values ? H.format(text, values) : String(text);
  }

  function entry(code) {
    for (var i = 0; i < languages.length; i++) if (languages[i].code === code) return languages[i];
    return null;
  }

  function applyStrings() {
    var e = entry(lang || "en");
    document.documentElement.setAttribute("lang", lang || "en");
    document.documentElement.setAttribute("dir", e && e.dir === "rtl" ? "rtl" : "ltr");
    document.querySelectorAll("[data-k]").forEach(function (n) { n.textContent = s(n.getAttribute("data-k")); });
    $("qr-img").setAttribute("alt", s("scan_code"));
  }

  /* ---------- views ---------- */
  function showView(name) {
    view = name;
    VIEWS.forEach(function (v) { H.show("view-" + v, v === name); });
    H.show("loading", false);
    H.show("kiosk-nav", !!BACK[name]);
    H.show("back", !!BACK[name] && name !== "languages");
    document.body.setAttribute("data-view", name);
    if (name !== "attract") { clearInterval(cycleTimer); cycleTimer = null; }
    if (name !== "choices") { clearInterval(availTimer); availTimer = null; }
    if (idle) { if (name === "attract" || name === "error") idle.stop(); else if (!idle.running()) idle.start(); }
  }

  function fail(message) {
    H.setText("error-text", message);
    showView("error");
  }

  /* ---------- 1. attract loop ---------- */
  function showAttract() {
    lang = null;
    applyStrings();
    showView("attract");
    cycle();
    cycleTimer = setInterval(cycle, CYCLE_MS);
  }

  function cycle() {
    if (!languages.length) return;
    var l = languages[cycleAt % languages.length];
    cycleAt += 1;
    var dir = l.dir === "rtl" ? "rtl" : "ltr";
    [["attract-headline", "need_help"], ["attract-tap", "tap_to_start"]].forEach(function (p) {
      var n = $(p[0]);
      n.textContent = s(p[1], null, l.code);
      n.setAttribute("lang", l.code);
      n.setAttribute("dir", dir);
    });
  }

  /* ---------- 2. languages ---------- */
  function renderLanguages() {
    var grid = $("language-grid");
    while (grid.firstChild) grid.removeChild(grid.firstChild);
    languages.forEach(function (l) {
      var b = H.el("button", { type: "button", class: "kiosk-lang", "data-lang": l.code, lang: l.code,
                               dir: l.dir === "rtl" ? "rtl" : "ltr" }, [
        H.el("span", { class: "lang-native", text: l.native }),
        l.name !== l.native ? H.el("span", { class: "lang-english", lang: "en", dir: "ltr", text: l.name }) : null
      ]);
      b.addEventListener("click", function () { chooseLanguage(l.code); });
      grid.appendChild(b);
    });
    var all = languages.map(function (l) { return s("need_help", null, l.code); }).join(" · ");
    H.setText("attract-all", all);
  }

  function chooseLanguage(code) {
    lang = code;
    applyStrings();
    count("language_chosen");
    showChoices();
  }

  /* ---------- 3. choices ---------- */
  function showChoices() {
    renderAvailability(null);
    showView("choices");
    checkAvailability();
    availTimer = setInterval(checkAvailability, AVAIL_MS);
    $("talk-now").focus();
  }

  function checkAvailability() {
    var asked = lang;
    H.api("/api/v1/kiosk/availability?kiosk=" + encodeURIComponent(kiosk) + "&lang=" + encodeURIComponent(asked))
      .then(function (a) {
        if (lang !== asked) return;
        var c = (a && a.channels) || {};
        renderAvailability(["chat", "voice", "video"].filter(function (k) { return c[k] === true; }));
      }, function () { if (lang === asked) renderAvailability([]); });
  }

  /* list: the channels with a seat online, or null while asking */
  function renderAvailability(list) {
    channels = list || [];
    var state = list === null ? "checking" : list.length ? "ok" : "none";
    $("talk-now").disabled = state !== "ok";
    var status = $("availability");
    status.setAttribute("data-k", state === "none" ? "no_agent" : "checking");
    status.textContent = s(status.getAttribute("data-k"));
    status.setAttribute("data-state", state);
    status.hidden = state === "ok";
    document.body.setAttribute("data-channels", channels.join(" "));
  }

  function talkNow() {
    if (!channels.length) return;
    if (channels.length === 1) { openCall(channels[0]); return; }
    var box = $("channel-list");
    while (box.firstChild) box.removeChild(box.firstChild);
    channels.forEach(function (c) {
      var b = H.el("button", { type: "button", class: "kiosk-choice", "data-channel": c }, [
        H.el("span", { class: "choice-title", text: s(CHANNEL_KEY[c]) })
      ]);
      b.addEventListener("click", function () { openCall(c); });
      box.appendChild(b);
    });
    showView("channels");
  }

  /* ---------- 4a. take it with you ---------- */
  function showQr() {
    var img = $("qr-img");
    img.setAttribute("src", "/api/v1/kiosk/qr.svg?lang=" + encodeURIComponent(lang) + "&kiosk=" + encodeURIComponent(kiosk));
    count("qr_shown");
    showView("qr");
  }

  /* ---------- 4b. talk now: the caller page, which sends the kiosk id with its session ---------- */
  function openCall(c) {
    closeCall();
    H.KioskIdle.wipe();                   /* a caller page must never resume an earlier visitor's session */
    frameChannel = c;
    frame = H.el("iframe", {
      id: "call-frame", class: "call-frame", title: s(CHANNEL_KEY[c]),
      src: "/" + c + "?lang=" + encodeURIComponent(lang) + "&kiosk=" + encodeURIComponent(kiosk),
      allow: "camera; microphone; autoplay"
    });
    frame.addEventListener("load", onFrameLoad);
    $("call-box").appendChild(frame);
    showView("call");
  }

  function onFrameLoad() {
    var win, doc;
    try { win = frame.contentWindow; doc = frame.contentDocument; } catch (e) { return; }
    if (!win || !doc) return;
    idle.watch(win);
    /* a reply from the seat keeps the kiosk awake while the visitor reads it */
    var log = doc.getElementById("chat-log") || doc.getElementById("call-log");
    if (log && window.MutationObserver) {
      if (logObserver) logObserver.disconnect();
      logObserver = new MutationObserver(function () { idle.poke(); });
      logObserver.observe(log, { childList: true, subtree: true });
    }
  }

  /* A visitor on a voice or video call may not touch the screen for minutes: no reset then. */
  function inLiveCall() {
    if (view !== "call" || !frame || frameChannel === "chat") return false;
    try {
      var st = frame.contentDocument && frame.contentDocument.getElementById("call-state");
      return !!st && LIVE[st.getAttribute("data-state")] === 1;
    } catch (e) { return false; }
  }

  function closeCall() {
    var open = H.KioskIdle.openSessions();
    if (logObserver) { logObserver.disconnect(); logObserver = null; }
    if (frame) {
      frame.removeEventListener("load", onFrameLoad);
      frame.setAttribute("src", "about:blank");        /* stops camera, microphone and sockets */
      if (frame.parentNode) frame.parentNode.removeChild(frame);
    }
    frame = null;
    frameChannel = null;
    H.KioskIdle.endSessions(open);
    H.KioskIdle.wipe();
  }

  /* ---------- navigation, idle, counters ---------- */
  function back() {
    if (view === "call") closeCall();
    var to = BACK[view];
    if (to === "attract") startOver();
    else if (to === "languages") showView("languages");
    else if (to === "choices") showChoices();
  }

  function startOver() {
    closeCall();
    H.KioskIdle.wipe();
    channels = [];
    $("qr-img").removeAttribute("src");
    showIdleWarning(null);
    showAttract();
  }

  function showIdleWarning(n) {
    H.show("idle-warning", n !== null);
    if (n === null) return;
    H.setText("idle-count", String(n));
    H.setText("idle-text", s("idle_countdown", { n: n }));
    H.setText("idle-title", s("still_there"));
    H.setText("idle-continue", s("continue"));
  }

  function count(event) {
    H.api("/api/v1/kiosk/events", { method: "POST", body: { kiosk: kiosk, event: event, lang: lang } })
      .catch(function () { /* a lost count must never disturb the visitor */ });
  }

  function idleSeconds(fromServer) {
    var asked = Number(new URLSearchParams(window.location.search).get("idle"));
    /* ?idle=N is for tests: accepted from 3 s; the deployment's setting otherwise */
    if (isFinite(asked) && asked >= 3 && asked <= 3600) return asked;
    return typeof fromServer === "number" && fromServer > 0 ? fromServer : 60;
  }

  /* ---------- boot ---------- */
  function boot() {
    var wanted = new URLSearchParams(window.location.search).get("kiosk");
    if (!wanted || !ID_RE.test(wanted)) {
      fail(wanted ? "The kiosk id is not valid: use capital letters, digits and dashes, like PVG-T2-01."
                  : "The address has no kiosk id.");
      return;
    }
    kiosk = wanted;
    var info = H.api("/api/v1/kiosk/availability?kiosk=" + encodeURIComponent(kiosk));
    var data = H.api("/api/v1/kiosk/strings");
    Promise.all([info, data]).then(function (r) {
      languages = (r[1] && r[1].languages) || [];
      strings = (r[1] && r[1].strings) || {};
      idle = H.KioskIdle.create({
        seconds: idleSeconds(r[0] && r[0].idle_reset_s),
        onWarn: showIdleWarning,
        onCalm: function () { showIdleWarning(null); },
        onExpire: startOver,
        paused: inLiveCall
      });
      idle.watch(window);
      renderLanguages();
      wire();
      H.KioskIdle.wipe();
      showAttract();
    }, function (err) {
      fail((err && err.message) || "The gateway cannot be reached.");
      /* the network or the gateway is down, not the id: try again */
      if (!err || !err.status || err.status >= 500) setTimeout(boot, 10000);
    });
  }

  function wire() {
    var attract = $("view-attract");
    attract.addEventListener("click", function () { showView("languages"); });
    attract.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); showView("languages"); }
    });
    $("talk-now").addEventListener("click", talkNow);
    $("take-away").addEventListener("click", showQr);
    $("back").addEventListener("click", back);
    $("start-over").addEventListener("click", startOver);
    $("idle-continue").addEventListener("click", function () { idle.poke(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

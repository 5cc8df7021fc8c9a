/* Sign-language video page (/video): ID card and disability certificate -> queue -> video call
 * with a sign-language seat, real-time text, the card; Chinese first, other languages selectable.
 * The camera preview starts at once; once the session exists its "analysis copy" goes to the
 * gateway, which answers with `guidance` (a sentence and a pictogram) when the picture is poor.
 * Speaks docs/PROTOCOL.md.  No innerHTML: server and user text goes in with textContent only. */
(function () {
  "use strict";
  var H = window.Hotline;
  var I = H.I18n;
  var $ = H.$;
  var t = I.t;
  var STORE = "hotline.caller.video";

  var call = null;
  var streamPromise = null;
  var stream = null;

  /* ---------- camera ---------- */
  function cameraStatus(key) {
    H.setText("camera-status", key ? t(key) : "");
    H.show("camera-status", !!key);
  }

  /* Resolves to the camera+mic stream, or null. Never rejects.  Without it no call is queued (the
   * page offers the text chat); during a call that is already on, the caller can still type. */
  function media() {
    if (streamPromise) return streamPromise;
    if (H.RTC.mediaSupport() !== "ok") return Promise.resolve(null);      /* http: no camera at all */
    cameraStatus("camera_starting");
    streamPromise = H.RTC.getMedia("video").then(function (s) {
      stream = s;
      var v = $("local-video");
      v.srcObject = s;
      v.play().catch(function () { /* muted preview: plays when visible */ });
      cameraStatus(null);
      document.body.setAttribute("data-camera", "on");
      return s;
    }, function (err) {
      if (window.console) console.warn("camera:", err && (err.name || err.message));
      document.body.setAttribute("data-camera", "off");
      streamPromise = null;
      var s = call && call.session();
      if (s && !s.ended) cameraStatus("camera_error");        /* in a call: text goes on */
      else { cameraStatus(null); H.CallPage.showUnavailable("media_denied_video"); }
      return null;
    });
    return streamPromise;
  }

  /* Why no call can start here (http, no camera allowed): shown instead of the form, with the chat. */
  function unavailable(key) {
    H.CallPage.showUnavailable(key);
    var off = key === "insecure_context";
    H.show("view-form", !off);
    H.show("stage", !off);
  }

  function stopCamera() {
    H.RTC.stop(stream);
    stream = null;
    streamPromise = null;
    $("local-video").srcObject = null;
    document.body.setAttribute("data-camera", "off");
  }

  /* ---------- guidance: a big sentence and a pictogram over the preview ---------- */
  function showGuidance(m) {
    var box = $("guidance");
    var list = Array.isArray(m.messages) ? m.messages : [];
    while (box.firstChild) box.removeChild(box.firstChild);
    list.slice(0, 3).forEach(function (g) {
      if (!g || typeof g.text !== "string") return;
      var src = g.pictogram && typeof g.pictogram === "object" ? g.pictogram.src : g.pictogram;
      var pic = typeof src === "string" && /^data:image\/svg\+xml[;,]/.test(src) ? src : null;
      box.appendChild(H.el("div", { class: "guidance-msg", "data-code": g.code || "" }, [
        pic ? H.el("img", { class: "guidance-pic", src: pic, alt: "" }) : null,
        H.el("p", { class: "guidance-text", text: g.text })
      ]));
    });
    box.setAttribute("data-issues", (Array.isArray(m.issues) ? m.issues : []).join(" "));
    box.hidden = !box.firstChild;
  }

  /* ---------- views ---------- */
  function showView(name) {
    H.show("view-form", name === "form");
    H.show("view-call", name === "call");
    document.body.setAttribute("data-view", name);
  }

  function fieldError(id, text) {
    var p = $(id + "-error");
    p.textContent = text || "";
    p.hidden = !text;
    $(id).setAttribute("aria-invalid", text ? "true" : "false");
  }

  function showError(text) {
    H.setText("page-error-text", text);
    H.show("page-error", !!text);
  }

  /* The gateway's 422 sentence names the field ("id_number ...", "disability_cert ...",
   * "the disability certificate number does not belong ..."); it never repeats the number. */
  function onStartError(err) {
    if (err && err.code === "no_media") {
      unavailable(H.RTC.mediaSupport() === "ok" ? "media_denied_video" : "insecure_context");
      return;
    }
    var msg = String((err && err.message) || "");
    if (err && err.status === 422) {
      var target = /disability_cert|does not belong/i.test(msg) ? "disability-cert" : "id-number";
      fieldError(target, t(target === "id-number" ? "error_id_number" : "error_disability_cert") + (msg ? " (" + msg + ")" : ""));
      $(target).focus();
      return;
    }
    showError(t("error_generic") + (msg ? " (" + (err.code ? err.code + ": " : "") + msg + ")" : ""));
  }

  function startCall(ev) {
    ev.preventDefault();
    var btn = $("start-video");
    if (btn.disabled) return;
    fieldError("id-number", "");
    fieldError("disability-cert", "");
    showError("");
    var idn = $("id-number").value.replace(/\s+/g, "").toUpperCase();
    var cert = $("disability-cert").value.replace(/\s+/g, "").toUpperCase();
    if (!idn) { fieldError("id-number", t("error_id_number")); $("id-number").focus(); return; }
    if (!cert) { fieldError("disability-cert", t("error_disability_cert")); $("disability-cert").focus(); return; }
    btn.disabled = true;
    btn.textContent = t("starting");
    H.CallPage.showUnavailable(null);          /* asked again: the browser may allow the camera now */
    call.start({ channel: "video", lang: "csl", id_number: idn, disability_cert: cert,
      consent_recording: $("consent-recording").checked })
      .then(function () {
        $("id-number").value = "";            /* the numbers are not kept on the page */
        $("disability-cert").value = "";
        H.CallPage.showUnavailable(null);
        showView("call");
        $("rtt-input").focus();
      }, onStartError)
      .then(function () { btn.disabled = false; btn.textContent = t("start_video"); });
  }

  function newCall() {
    call.reset();
    H.CallerCard.reset();
    showGuidance({ messages: [] });
    showView("form");
    media();
    $("id-number").focus();
  }

  /* ---------- language ---------- */
  function fillLanguages(list, chosen) {
    var sel = $("ui-lang");
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    var zh = { code: "zh", native: "中文", name: "Chinese" };
    [zh].concat((list || []).filter(function (l) { return l.code !== "zh" && l.code !== "csl"; })).forEach(function (l) {
      sel.appendChild(H.el("option", { value: l.code, lang: l.code, text: l.native || l.name || l.code }));
    });
    sel.value = chosen;
    if (sel.value !== chosen) sel.value = "zh";
  }

  function setLanguage(code) {
    return I.setLanguage(code).then(function () {
      var s = call && call.session();
      if (!s) return;
      s.ui = code;
      try { sessionStorage.setItem(STORE, JSON.stringify(s)); } catch (e) { /* ignore */ }
      if (!s.ended) call.restartAnalysis();        /* guidance comes in the language of the copy */
    });
  }

  /* ---------- boot ---------- */
  function boot() {
    I.loadRetention();
    call = H.CallPage.create({
      channel: "video",
      storeKey: STORE,
      kinds: ["audio", "video"],
      remoteEl: $("remote-video"),
      media: media,
      analysis: function () { return true; },
      onMessage: function (m) {
        if (m.type === "guidance") { showGuidance(m); return true; }
        if (m.type === "card_saved") { H.CallerCard.saved(m.card); return true; }
        if (m.type === "error" && H.CallerCard.failed(m)) return true;
        if (m.type === "hello") setTimeout(H.CallerCard.resend, 0);
        return false;
      },
      onPhase: function (p) {
        if (p === "ended") showGuidance({ messages: [] });
      },
      onTeardown: stopCamera
    });
    H.CallerCard.init({ send: call.send, storeKey: STORE + ".card" });
    $("video-form").addEventListener("submit", startCall);
    $("new-call").addEventListener("click", newCall);
    $("ui-lang").addEventListener("change", function (e) { setLanguage(e.target.value); });
    ["id-number", "disability-cert"].forEach(function (id) {
      $(id).addEventListener("input", function () { if (!$(id + "-error").hidden) fieldError(id, ""); });
    });

    var saved = call.loadSaved();
    var wanted = new URLSearchParams(window.location.search).get("lang");
    var ui = wanted || (saved && saved.ui) || "zh";
    H.api("/api/v1/languages?all=1").then(function (list) { fillLanguages(list, ui); }, function () { fillLanguages([], ui); });
    setLanguage(ui).then(function () {
      if (saved && saved.id && saved.token) {
        showView("call");
        if (!saved.ended) media();
        call.resume(saved);
      } else {
        showView("form");
        if (H.RTC.mediaSupport() !== "ok") unavailable("insecure_context");
        else media();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

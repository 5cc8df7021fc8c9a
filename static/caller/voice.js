/* Voice page (/voice) for foreign callers: language picker -> consent -> queue -> a voice call
 * with a seat who speaks the language (peer to peer, microphone only), with real-time text
 * for names and numbers.  Speaks docs/PROTOCOL.md.  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var I = H.I18n;
  var $ = H.$;
  var t = I.t;
  var STORE = "hotline.caller.voice";

  var call = null;
  var lang = null;
  var micPromise = null;
  var mic = null;

  /* The microphone, or null.  Without it no call is queued (the page offers the text chat instead). */
  function media() {
    if (micPromise) return micPromise;
    if (H.RTC.mediaSupport() !== "ok") return Promise.resolve(null);      /* http: no microphone at all */
    H.show("mic-status", false);
    micPromise = H.RTC.getMedia("voice").then(function (s) {
      mic = s;
      return s;
    }, function (err) {
      if (window.console) console.warn("microphone:", err && (err.name || err.message));
      H.setText("mic-status", t("mic_error"));
      H.show("mic-status", true);
      micPromise = null;
      return null;
    });
    return micPromise;
  }

  function stopMic() {
    H.RTC.stop(mic);
    mic = null;
    micPromise = null;
  }

  function showView(name) {
    ["picker", "start", "call"].forEach(function (v) { H.show("view-" + v, v === name); });
    H.show("change-lang", name === "start");
    document.body.setAttribute("data-view", name);
  }

  function showError(text) {
    H.setText("page-error-text", text);
    H.show("page-error", !!text);
  }

  function showPicker() {
    showView("picker");
    var render = function () {
      H.renderLanguagePicker($("language-list"), I.languages() || [], chooseLanguage);
      H.show("picker-loading", false);
    };
    if (I.languages()) { render(); return; }
    I.fetchLanguages().then(render, function (err) { showError("Error / 错误: " + (err.message || err.code)); });
  }

  function chooseLanguage(code) {
    showError("");
    lang = code;
    I.setLanguage(code).then(function () {
      showView("start");
      if (H.RTC.mediaSupport() !== "ok") { unavailable("insecure_context"); return; }
      $("start-voice").focus();
    });
  }

  /* Why no call can start here (http, no microphone allowed), with the text chat instead. */
  function unavailable(key) {
    H.CallPage.showUnavailable(key);
    $("start-voice").disabled = key === "insecure_context";
    H.show("start-voice", key !== "insecure_context");
  }

  function startCall() {
    var btn = $("start-voice");
    if (btn.disabled) return;
    btn.disabled = true;
    btn.textContent = t("starting");
    showError("");
    H.CallPage.showUnavailable(null);          /* asked again: the browser may allow the microphone now */
    call.start({ channel: "voice", lang: lang, consent_recording: $("consent-recording").checked }).then(function () {
      showView("call");
      $("rtt-input").focus();
    }, function (err) {
      if (err && err.code === "no_media") {
        unavailable(H.RTC.mediaSupport() === "ok" ? "media_denied_voice" : "insecure_context");
        return;
      }
      showError(t("error_generic") + (err && err.message ? " (" + (err.code ? err.code + ": " : "") + err.message + ")" : ""));
    }).then(function () {
      btn.textContent = t("start_voice");
      btn.disabled = H.RTC.mediaSupport() !== "ok";
    });
  }

  function newCall() {
    call.reset();
    $("remote-audio").setAttribute("data-live", "false");
    $("voice-live").setAttribute("data-live", "false");
    showView("start");
    $("start-voice").focus();
  }

  function boot() {
    I.loadRetention();
    var audio = $("remote-audio");
    call = H.CallPage.create({
      channel: "voice",
      storeKey: STORE,
      kinds: ["audio"],
      remoteEl: audio,
      media: media,
      /* voice has nothing to analyse: the gateway only needs a copy to record, with consent */
      analysis: function () { var s = call.session(); return !!(s && s.consent); },
      onTeardown: stopMic
    });
    /* "connected (sound on)" follows the remote audio element */
    new MutationObserver(function () {
      $("voice-live").setAttribute("data-live", audio.getAttribute("data-live") || "false");
    }).observe(audio, { attributes: true, attributeFilter: ["data-live"] });
    $("start-voice").addEventListener("click", startCall);
    $("new-call").addEventListener("click", newCall);
    $("change-lang").addEventListener("click", showPicker);

    var langsReady = I.fetchLanguages().catch(function () { return null; });
    var saved = call.loadSaved();
    var wanted = new URLSearchParams(window.location.search).get("lang");
    if (saved && saved.id && saved.token) {
      lang = saved.lang || wanted || "en";
      langsReady.then(function () { return I.setLanguage(lang); }).then(function () {
        showView("call");
        call.resume(saved);
      });
      return;
    }
    langsReady.then(function () {
      var list = I.languages();
      if (wanted && (!list || !list.length || I.entry(wanted) || wanted === "zh")) chooseLanguage(wanted);
      else showPicker();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

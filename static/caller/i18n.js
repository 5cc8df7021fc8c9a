/* Caller page language: the served languages, the UI strings of the chosen one,
 * <html lang/dir>, and the saved chat session (sessionStorage).
 *   Hotline.I18n.t(key, values)        -> string (English fills missing keys)
 *   Hotline.I18n.fetchLanguages()      -> Promise<[{code, name, native, dir}]>
 *   Hotline.I18n.setLanguage(code)     -> Promise (strings loaded and applied)
 *   Hotline.I18n.onApply(fn)           -> fn() runs after strings are (re)applied
 *   Hotline.SessionStore.load() / save(obj) / clear()
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var RTL = { ar: 1, fa: 1, he: 1, ur: 1, ps: 1, ug: 1 };
  var STORE = "hotline.caller.session";

  var strings = {};
  var languages = null;
  var current = null;
  var listeners = [];

  function t(key, values) {
    var s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : H.CALLER_STRINGS_EN[key];
    if (s === undefined || s === null) s = key;
    return values ? H.format(s, values) : String(s);
  }

  function fetchLanguages() {
    return H.api("/api/v1/languages").then(function (list) {
      languages = Array.isArray(list) ? list : [];
      return languages;
    });
  }

  function entry(code) {
    if (!languages) return null;
    for (var i = 0; i < languages.length; i++) if (languages[i].code === code) return languages[i];
    return null;
  }

  function apply() {
    /* data-i18n-n: a number for the string's {n}, shown in the page language's digits */
    document.querySelectorAll("[data-i18n]").forEach(function (n) {
      var num = n.getAttribute("data-i18n-n");
      var values = null;
      if (num !== null && num !== "" && !isNaN(Number(num))) {
        var shown = num;
        try { shown = new Intl.NumberFormat(current || undefined).format(Number(num)); } catch (e) { /* keep digits */ }
        values = { n: shown };
      }
      n.textContent = t(n.getAttribute("data-i18n"), values);
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (n) {
      n.setAttribute("placeholder", t(n.getAttribute("data-i18n-placeholder")));
    });
    /* text shown by CSS (e.g. the empty transcript's hint) comes from an attribute, never from markup */
    document.querySelectorAll("[data-i18n-empty]").forEach(function (n) {
      n.setAttribute("data-empty-text", t(n.getAttribute("data-i18n-empty")));
    });
    document.title = "12345 · " + t("title");
    listeners.forEach(function (fn) { fn(); });
  }

  function setLanguage(code) {
    var e = entry(code);
    var dir = e && e.dir ? e.dir : RTL[code] ? "rtl" : "ltr";
    current = code;
    document.documentElement.setAttribute("lang", code);
    document.documentElement.setAttribute("dir", dir === "rtl" ? "rtl" : "ltr");
    return H.api("/api/v1/languages/" + encodeURIComponent(code) + "/strings")
      .then(function (s) { strings = s && typeof s === "object" ? s : {}; })
      .catch(function () { strings = {}; })
      .then(apply);
  }

  /* The consent sentence names the gateway's real retention period (GET /api/v1/info). */
  function loadRetention() {
    return H.api("/api/v1/info").then(function (info) {
      var days = info && info.recording_retention_days;
      if (typeof days !== "number") return;
      document.querySelectorAll("[data-i18n-n]").forEach(function (n) { n.setAttribute("data-i18n-n", String(days)); });
      apply();
    }, function () { /* keep the default in the page */ });
  }

  H.I18n = {
    t: t,
    loadRetention: loadRetention,
    fetchLanguages: fetchLanguages,
    languages: function () { return languages; },
    entry: entry,
    setLanguage: setLanguage,
    current: function () { return current; },
    onApply: function (fn) { listeners.push(fn); }
  };

  /* sessionStorage may be unavailable in private modes: then a reload simply starts over. */
  H.SessionStore = {
    load: function () {
      try { return JSON.parse(window.sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
    },
    save: function (obj) {
      try { if (obj) window.sessionStorage.setItem(STORE, JSON.stringify(obj)); } catch (e) { /* ignore */ }
    },
    clear: function () {
      try { window.sessionStorage.removeItem(STORE); } catch (e) { /* ignore */ }
    }
  };
})();

/* The kiosk's idle timer, and the wipe that follows it.
 *
 *   var idle = Hotline.KioskIdle.create({seconds, onWarn(n), onCalm(), onExpire(), paused() -> bool});
 *   idle.start(); idle.stop(); idle.poke(); idle.watch(window_or_iframe_window)
 *   Hotline.KioskIdle.openSessions() -> [{id, token}]   (caller sessions the pages saved)
 *   Hotline.KioskIdle.endSessions(list) -> Promise      (POST /api/v1/sessions/{id}/end for each)
 *   Hotline.KioskIdle.wipe()                            (sessionStorage, localStorage, every field)
 *
 * Why it ends calls over HTTP: the caller page lives in an iframe that is about to be removed, so
 * its WebSocket "end" may never leave the machine.  The caller pages keep {id, token} in
 * sessionStorage, which a same-origin iframe shares with the kiosk page.
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var EVENTS = ["pointerdown", "keydown", "input", "wheel", "touchstart"];
  var TICK_MS = 250;

  function create(opts) {
    var seconds = opts.seconds;
    /* the countdown shows in the last 10 s (in the last half for the short test timeouts) */
    var warnAt = Math.min(10, Math.max(1, Math.floor(seconds / 2)));
    var last = Date.now();
    var timer = null;
    var warning = false;

    function poke() {
      last = Date.now();
      if (warning) { warning = false; opts.onCalm(); }
    }

    function tick() {
      if (opts.paused && opts.paused()) { poke(); return; }
      var left = seconds - (Date.now() - last) / 1000;
      if (left <= 0) {
        stop();
        opts.onExpire();
      } else if (left <= warnAt) {
        warning = true;
        opts.onWarn(Math.ceil(left));
      } else if (warning) {
        warning = false;
        opts.onCalm();
      }
    }

    function start() {
      stop();
      last = Date.now();
      timer = setInterval(tick, TICK_MS);
    }

    function stop() {
      clearInterval(timer);
      timer = null;
      if (warning) { warning = false; opts.onCalm(); }
    }

    /* Any touch, key or typing in this window (the kiosk, or the caller page's iframe) is activity. */
    function watch(win) {
      EVENTS.forEach(function (name) { win.addEventListener(name, poke, { capture: true, passive: true }); });
    }

    return { start: start, stop: stop, poke: poke, watch: watch, running: function () { return timer !== null; } };
  }

  /* Every unfinished caller session a page saved: {id, token} objects under any key. */
  function openSessions() {
    var out = [];
    var store;
    try { store = window.sessionStorage; } catch (e) { return out; }
    for (var i = 0; i < store.length; i++) {
      var obj = null;
      try { obj = JSON.parse(store.getItem(store.key(i)) || "null"); } catch (e) { obj = null; }
      if (obj && typeof obj === "object" && typeof obj.id === "string" && typeof obj.token === "string" && !obj.ended) {
        out.push({ id: obj.id, token: obj.token });
      }
    }
    return out;
  }

  function endSessions(list) {
    return Promise.all(list.map(function (s) {
      return fetch("/api/v1/sessions/" + encodeURIComponent(s.id) + "/end", {
        method: "POST", keepalive: true, cache: "no-store", credentials: "same-origin",
        headers: { Authorization: "Bearer " + s.token }
      }).catch(function () { return null; });     /* offline: the seat sees the caller gone */
    }));
  }

  /* Nothing a visitor entered may survive: storage, and every field left on the page. */
  function wipe() {
    try { window.sessionStorage.clear(); } catch (e) { /* unavailable */ }
    try { window.localStorage.clear(); } catch (e) { /* unavailable */ }
    document.querySelectorAll("input, textarea, select").forEach(function (f) {
      if (f.type === "checkbox" || f.type === "radio") f.checked = f.defaultChecked;
      else if (f.tagName === "SELECT") f.selectedIndex = -1;
      else f.value = "";
    });
  }

  H.KioskIdle = { create: create, openSessions: openSessions, endSessions: endSessions, wipe: wipe };
})();

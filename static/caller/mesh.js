/* The caller's media connections in a video or voice call (docs/PROTOCOL.md "Video and voice calls",
 * "Interpreting"): one peer connection per other party, a browser mesh of up to three.
 *   - with the seat: the caller offers (and offers again after a failure, with back-off);
 *   - with a volunteer interpreter, while one takes part: the interpreter offers, the caller answers
 *     with the same camera and microphone, so the interpreter sees the signer too.
 * Each remote stream plays in its own element; playing both is the "mixing" of the two voices.
 *
 *   var mesh = Hotline.CallerMesh.create({kinds, media: fn() -> Promise<stream|null>, send: fn(obj) -> bool,
 *       ice: fn() -> Promise<RTCConfiguration> (fresh ICE servers for each connection, Hotline.RTC.iceFor),
 *       els: {seat: <video|audio>, interpreter: <video|audio>}, canCall: fn() -> bool (the seat is there),
 *       onRtt: fn(from, text, via), onState: fn(), onBlocked: fn() (sound needs a tap),
 *       onGiveUp: fn() (the connection with the seat cannot be made: see GIVE_UP_AFTER)});
 *   mesh.startSeat()          (re)offer to the seat
 *   mesh.stop(party?)         "seat", "interpreter", or both
 *   mesh.signal(m)            a relayed `rtc` message, routed by m.from
 *   mesh.sendRtt(text, withInterpreter) -> "dc" | "ws" | ""
 *   mesh.seatState()          "none" | "new" | "connecting" | "connected" | "disconnected" | "failed" | ...
 *   mesh.unmute()             both remote elements
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var PARTIES = ["seat", "interpreter"];
  var MAX_RETRIES = 5;
  var CONNECT_MS = 15000;      /* an attempt not connected by then has failed (ICE may never say "failed") */
  /* Attempts in a row that never connected before the page gives up and says so (e.g. the TURN server
   * refuses us: every retry fails the same way); one more for a call that had media before. */
  var GIVE_UP_AFTER = { never: 3, had: 4 };

  function warn(what) {
    return function (e) { if (window.console) console.warn(what, e); };
  }

  function create(opts) {
    var links = {};
    PARTIES.forEach(function (p) { links[p] = { peer: null, state: "none", timer: null, tries: 0, fails: 0, had: false, gaveUp: false }; });

    function stop(party) {
      if (!party) { PARTIES.forEach(stop); return; }
      var ln = links[party];
      clearTimeout(ln.timer);
      if (ln.peer) ln.peer.close();
      ln.peer = null;
      ln.state = "none";
      var el = opts.els[party];
      if (el) { el.srcObject = null; el.setAttribute("data-live", "false"); }
      opts.onRtt(party, "", "");
    }

    function make(party, offerer, stream, callId) {
      var ln = links[party];
      var me = new H.RTC.Peer({
        stream: stream, offerer: offerer, kinds: opts.kinds, callId: callId, ice: opts.ice,
        onSignal: function (data) { if (ln.peer === me) opts.send({ type: "rtc", to: party, data: data }); },
        onStream: function (remote) {
          var el = opts.els[party];
          if (ln.peer !== me || !el) return;
          el.setAttribute("data-live", "true");
          H.RTC.play(el, remote, opts.onBlocked);
        },
        onRtt: function (text, via) { if (ln.peer === me) opts.onRtt(party, text, via); },
        onState: function (s) {
          if (ln.peer !== me || s === "rtt-open") return;
          ln.state = s;
          if (s === "connected") { ln.tries = 0; ln.fails = 0; ln.had = true; ln.attemptOk = true; }
          /* only the offering side can start over; the interpreter does that for its link */
          if (s === "failed" && party === "seat") seatAttemptFailed(me);
          opts.onState();
        }
      });
      ln.peer = me;
      ln.state = "new";
      return me;
    }

    /* ---------- with the seat: we offer ---------- */
    function startSeat() {
      stop("seat");
      if (!opts.canCall() || links.seat.gaveUp) return;
      opts.media().then(function (stream) {
        var ln = links.seat;
        if (!opts.canCall() || ln.peer || ln.gaveUp) return;
        var me = make("seat", true, stream);
        ln.attemptOk = false;
        me.start().catch(function (e) {
          warn("call offer failed")(e);        /* e.g. no ICE servers under a relay-only policy */
          seatAttemptFailed(me);
        });
        /* no answer or no media after CONNECT_MS (an offer lost on the way, ICE that never completes) */
        ln.timer = setTimeout(function () {
          if (ln.peer === me && ln.state !== "connected") seatAttemptFailed(me);
        }, CONNECT_MS);
      });
    }

    /* One attempt with the seat failed (ICE "failed", or not connected in time): try again with
     * back-off, or give up when attempts keep failing. */
    function seatAttemptFailed(me) {
      var ln = links.seat;
      if (ln.peer !== me || ln.gaveUp) return;
      clearTimeout(ln.timer);
      if (!ln.attemptOk) ln.fails += 1;
      ln.attemptOk = false;
      if (ln.fails >= (ln.had ? GIVE_UP_AFTER.had : GIVE_UP_AFTER.never) || ln.tries >= MAX_RETRIES) {
        giveUp();
        return;
      }
      ln.tries += 1;
      ln.timer = setTimeout(startSeat, 1500 * ln.tries);
    }

    function giveUp() {
      var ln = links.seat;
      stop("seat");
      ln.gaveUp = true;
      ln.state = "gave-up";
      opts.onState();
      if (opts.onGiveUp) opts.onGiveUp();
    }

    /* a new call (or a new seat after requeueing): the seat's connection may be tried afresh */
    function resetSeat() {
      var ln = links.seat;
      stop("seat");
      ln.tries = 0;
      ln.fails = 0;
      ln.had = false;
      ln.gaveUp = false;
    }

    /* ---------- signalling, from either party ---------- */
    function signal(m) {
      var party = m.from === "interpreter" ? "interpreter" : "seat";   /* no `from`: an older gateway, the seat */
      var d = m.data || {};
      var ln = links[party];
      if (party === "interpreter" && d.type === "offer") {
        /* a new call id: the interpreter started over (reconnected, retried); drop the old one */
        if (ln.peer && (!d.call || d.call !== ln.peer.id)) stop("interpreter");
        var p = ln.peer || make("interpreter", false, null, d.call);
        opts.media().then(function (stream) {
          if (ln.peer !== p) return null;
          p.opts.stream = stream;
          return p.signal(d);
        }).catch(warn("answer to the interpreter failed"));
        return;
      }
      if (ln.peer) ln.peer.signal(d).catch(warn("rtc"));
    }

    /* Every keystroke goes out on each open data channel; when one that should be there is not
     * (yet) open, the gateway relays it too (without `to`: to everyone else). */
    function sendRtt(text, withInterpreter) {
      var viaDc = false, missing = false;
      PARTIES.forEach(function (party) {
        var ln = links[party];
        var needed = party === "seat" || withInterpreter;
        if (ln.peer && ln.peer.sendRtt(text)) viaDc = true;
        else if (needed) missing = true;
      });
      if (missing && opts.send({ type: "rtt", data: { text: text } })) return "ws";
      return viaDc ? "dc" : "";
    }

    function unmute() {
      PARTIES.forEach(function (party) {
        var el = opts.els[party];
        if (!el) return;
        el.muted = false;
        if (el.srcObject) el.play().catch(function () {});
      });
    }

    return {
      startSeat: startSeat, stop: stop, resetSeat: resetSeat, signal: signal, sendRtt: sendRtt, unmute: unmute,
      seatState: function () { return links.seat.state; }
    };
  }

  H.CallerMesh = { create: create };
})();

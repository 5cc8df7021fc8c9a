/* The caller's media connections in a video or voice call (docs/PROTOCOL.md "Video and voice calls",
 * "Interpreting"): one peer connection per other party, a browser mesh of up to three.
 *   - with the seat: the caller offers (and offers again after a failure, with back-off);
 *   - with a volunteer interpreter, while one takes part: the interpreter offers, the caller answers
 *     with the same camera and microphone, so the interpreter sees the signer too.
 * Each remote stream plays in its own element; playing both is the "mixing" of the two voices.
 *
 *   var mesh = Hotline.CallerMesh.create({kinds, media: fn() -> Promise<stream|null>, send: fn(obj) -> bool,
 *       els: {seat: <video|audio>, interpreter: <video|audio>}, canCall: fn() -> bool (the seat is there),
 *       onRtt: fn(from, text, via), onState: fn(), onBlocked: fn() (sound needs a tap)});
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

  function warn(what) {
    return function (e) { if (window.console) console.warn(what, e); };
  }

  function create(opts) {
    var links = {};
    PARTIES.forEach(function (p) { links[p] = { peer: null, state: "none", timer: null, tries: 0 }; });

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
        stream: stream, offerer: offerer, kinds: opts.kinds, callId: callId,
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
          if (s === "connected") ln.tries = 0;
          /* only the offering side can start over; the interpreter does that for its link */
          if (s === "failed" && party === "seat") retrySeat();
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
      if (!opts.canCall()) return;
      opts.media().then(function (stream) {
        var ln = links.seat;
        if (!opts.canCall() || ln.peer) return;
        var me = make("seat", true, stream);
        me.start().catch(warn("call offer failed"));
        /* no answer or no media after 15 s (an offer lost on the way): offer again */
        ln.timer = setTimeout(function () {
          if (ln.peer === me && ln.state !== "connected" && ln.tries < MAX_RETRIES) { ln.tries += 1; startSeat(); }
        }, 15000);
      });
    }

    function retrySeat() {
      var ln = links.seat;
      if (ln.tries >= MAX_RETRIES) return;
      ln.tries += 1;
      clearTimeout(ln.timer);
      ln.timer = setTimeout(startSeat, 1500 * ln.tries);
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
      startSeat: startSeat, stop: stop, signal: signal, sendRtt: sendRtt, unmute: unmute,
      seatState: function () { return links.seat.state; }
    };
  }

  H.CallerMesh = { create: create };
})();

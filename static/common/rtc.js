/* WebRTC helpers shared by the caller pages (video, voice) and the agent console.
 *
 *   Hotline.RTC.mediaSupport()               -> "ok" | "insecure": can this page ask for a camera at all?
 *     (getUserMedia exists only in a secure context: https, or http on localhost)
 *   Hotline.RTC.getMedia("video" | "voice")  -> Promise<MediaStream>   (camera 640x480 >= 20 fps + mic, or mic)
 *   Hotline.RTC.stop(stream)                   stop every track
 *   Hotline.RTC.iceConfig(auth)              -> Promise<RTCConfiguration> for ONE new peer connection:
 *     GET /api/v1/ice, fresh each time (its TURN credentials are short-lived); auth: {session, token}
 *     for a caller (its session id and caller token), {token} for staff, or a function returning either.
 *     When the request fails: the last configuration this page got while it is still valid, else
 *     {iceServers: []} only if the gateway's policy is unknown or "all" (never under "relay"), always
 *     with a console warning.
 *   Hotline.RTC.iceFor(auth)                 -> function () -> iceConfig(auth), for opts.ice below
 *   new Hotline.RTC.Peer(opts)                 the peer-to-peer call between caller and seat:
 *     opts: {stream, offerer: bool, kinds: ["audio", "video"], ice: fn() -> Promise<RTCConfiguration>,
 *            onSignal(data), onStream(MediaStream), onRtt(text, via), onState(state)}
 *     peer.start()        offerer only: data channel "rtt", offer
 *     peer.signal(data)   an offer / answer / {candidate} relayed by the gateway
 *     peer.sendRtt(text)  true when it went out on the data channel
 *     peer.close()
 *   Hotline.RTC.debugPeers()                   the RTCPeerConnections of the open Peers (read-only, for tests)
 *   Hotline.RTC.debugAnalysis()                the analysis copies' RTCPeerConnections (read-only, for tests)
 *   new Hotline.RTC.AnalysisCopy(opts)        the analysis copy, kept up (retries, gives up on a 4xx)
 *   Hotline.RTC.sendAnalysis(stream, sessionId, token, lang) -> Promise<RTCPeerConnection>
 *     the send-only "analysis copy" to the gateway (POST /api/v1/sessions/{id}/media, no trickle);
 *     lang: the language the caller reads, for the guidance messages.
 *
 * Signalling payloads are the browser's own ({type, sdp} and {candidate}); each also carries `call`,
 * an id of the peer connection it belongs to, so a late answer or candidate for a connection that
 * was already replaced is ignored.  STUN and TURN servers come from the gateway (GET /api/v1/ice,
 * docs/PROTOCOL.md "ICE servers"); with iceTransportPolicy "relay" every connection goes through TURN.
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var live = [];              /* Peer objects not yet closed: for debugPeers() only */
  var analysisLive = [];      /* the analysis copies' connections: for debugAnalysis() only */

  var VIDEO = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30, min: 20 } };
  var VIDEO_LOOSE = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
  var AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

  function gum(c) { return navigator.mediaDevices.getUserMedia(c); }

  /* A page over plain http (other than localhost) is not a secure context: the browser gives it no
   * navigator.mediaDevices at all, so no camera and no microphone. */
  function mediaSupport() {
    if (window.isSecureContext === false) return "insecure";
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") return "insecure";
    return "ok";
  }

  /* ---------- ICE servers (GET /api/v1/ice), fresh for each peer connection ---------- */
  var ice = { policy: null, last: null, until: 0 };     /* what the gateway said last time */

  function warnIce(text, err) {
    if (window.console) console.warn("ICE servers: " + text, err && (err.code || err.message || err));
  }

  function cleanServers(list) {
    return (Array.isArray(list) ? list : []).filter(function (s) {
      return s && (typeof s.urls === "string" || Array.isArray(s.urls));
    }).map(function (s) {
      var out = { urls: s.urls };
      if (typeof s.username === "string") out.username = s.username;
      if (typeof s.credential === "string") out.credential = s.credential;
      return out;
    });
  }

  function iceConfig(auth) {
    var a = typeof auth === "function" ? auth() : auth;
    var fallback = function (err) {
      if (ice.last && Date.now() < ice.until) {
        warnIce("the gateway did not answer; using the servers it gave this page last time", err);
        return ice.last;
      }
      if (ice.policy === "relay") {
        warnIce("the gateway did not answer and this hotline allows relayed calls only: no connection", err);
        throw err || new Error("no ICE servers");
      }
      warnIce("the gateway did not answer; trying without STUN/TURN (iceServers: []), which works only on one network", err);
      return { iceServers: [] };
    };
    if (!a || !a.token) return Promise.resolve(fallback(new Error("no token to ask for ICE servers")));
    var path = "/api/v1/ice" + (a.session ? "?session=" + encodeURIComponent(a.session) : "");
    return H.api(path, { token: a.token }).then(function (body) {
      if (!body || !Array.isArray(body.iceServers)) throw new H.ApiError(502, "bad_ice", "no iceServers in the answer");
      var cfg = { iceServers: cleanServers(body.iceServers),
                  iceTransportPolicy: body.iceTransportPolicy === "relay" ? "relay" : "all" };
      ice.policy = cfg.iceTransportPolicy;
      ice.last = cfg;
      /* reused only while its credentials are surely still good */
      ice.until = Date.now() + Math.max(0, Number(body.ttl_s) || 0) * 1000 / 2;
      return cfg;
    }, fallback);
  }

  function iceFor(auth) { return function () { return iceConfig(auth); }; }

  /* Signing needs smooth motion more than sharp detail. */
  function forSigning(stream) {
    stream.getVideoTracks().forEach(function (t) {
      try { t.contentHint = "motion"; } catch (e) { /* older browsers */ }
    });
    return stream;
  }

  function getMedia(kind) {
    if (mediaSupport() !== "ok") {
      var e = new Error("getUserMedia unavailable: the page is not a secure context (needs https)");
      e.name = "InsecureContextError";
      return Promise.reject(e);
    }
    if (kind !== "video") return gum({ audio: AUDIO, video: false });
    return gum({ video: VIDEO, audio: AUDIO })
      .catch(function (e) {
        if (e && e.name === "NotAllowedError") throw e;
        return gum({ video: VIDEO_LOOSE, audio: AUDIO });
      })
      .catch(function (e) {
        if (e && e.name === "NotAllowedError") throw e;
        return gum({ video: VIDEO_LOOSE, audio: false });     /* a camera without a microphone still signs */
      })
      .then(forSigning);
  }

  function stop(stream) {
    if (stream) stream.getTracks().forEach(function (t) { try { t.stop(); } catch (e) { /* ignore */ } });
  }

  /* Keep the frame rate when the network is poor (hands move fast); lower the resolution instead. */
  function keepFrameRate(pc) {
    pc.getSenders().forEach(function (s) {
      if (!s.track || s.track.kind !== "video" || !s.getParameters) return;
      try {
        var p = s.getParameters();
        p.degradationPreference = "maintain-framerate";
        s.setParameters(p).catch(function () { /* optional */ });
      } catch (e) { /* optional */ }
    });
  }

  function addLocal(pc, stream, kinds, direction) {
    var have = {};
    if (stream) {
      stream.getTracks().forEach(function (t) {
        have[t.kind] = true;
        if (direction) pc.addTransceiver(t, { direction: direction, streams: [stream] });
        else pc.addTrack(t, stream);
      });
    }
    return have;
  }

  /* ---------- the peer-to-peer call ---------- */
  var CLOSED = { closed: true };       /* the Peer was closed while its ICE servers were being fetched */

  function Peer(opts) {
    this.opts = opts;
    this.id = opts.callId || H.uuid();
    this.pc = null;
    this.dc = null;
    this.closed = false;
    this.remote = null;
    this.early = [];          /* candidates that came before the remote description */
  }

  /* The connection, made once its ICE servers are known (a fresh GET /api/v1/ice); resolves to null
   * when the Peer was closed meanwhile. */
  Peer.prototype._ensure = function () {
    var self = this;
    if (this.pc) return Promise.resolve(this.pc);
    if (!this.making) {
      this.making = (this.opts.ice ? this.opts.ice() : iceConfig(null)).then(function (cfg) {
        if (self.closed) return null;
        return self.pc || self._make(cfg);
      });
    }
    return this.making;
  };

  Peer.prototype._make = function (config) {
    var self = this;
    var pc = (this.pc = new RTCPeerConnection(config || { iceServers: [] }));
    if (live.indexOf(this) < 0) live.push(this);
    pc.onicecandidate = function (ev) {
      if (ev.candidate && !self.closed) self.opts.onSignal({ candidate: ev.candidate.toJSON(), call: self.id });
    };
    pc.ontrack = function (ev) {
      if (!self.remote) self.remote = new MediaStream();
      var s = ev.streams && ev.streams[0];
      (s ? s.getTracks() : [ev.track]).forEach(function (t) {
        if (self.remote.getTrackById(t.id) === null) self.remote.addTrack(t);
      });
      if (self.opts.onStream) self.opts.onStream(self.remote);
    };
    pc.onconnectionstatechange = function () {
      if (!self.closed && self.opts.onState) self.opts.onState(pc.connectionState);
    };
    pc.ondatachannel = function (ev) { if (ev.channel.label === "rtt") self._bind(ev.channel); };
    return pc;
  };

  Peer.prototype._bind = function (dc) {
    var self = this;
    this.dc = dc;
    dc.onmessage = function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && typeof m.text === "string" && self.opts.onRtt) self.opts.onRtt(m.text, "dc");
    };
    dc.onopen = function () { if (self.opts.onState) self.opts.onState("rtt-open"); };
  };

  Peer.prototype.start = function () {
    var self = this;
    return this._ensure().then(function (pc) {
      if (!pc || self.closed) return null;
      var have = addLocal(pc, self.opts.stream, self.opts.kinds);
      (self.opts.kinds || []).forEach(function (k) {
        if (!have[k]) pc.addTransceiver(k, { direction: "recvonly" });
      });
      self._bind(pc.createDataChannel("rtt", { ordered: true }));
      keepFrameRate(pc);
      return pc.createOffer().then(function (offer) {
        return pc.setLocalDescription(offer);
      }).then(function () {
        if (self.closed) return;
        self.opts.onSignal({ type: "offer", sdp: pc.localDescription.sdp, call: self.id });
      });
    });
  };

  Peer.prototype._flushEarly = function () {
    var pc = this.pc, list = this.early;
    this.early = [];
    list.forEach(function (c) { pc.addIceCandidate(c).catch(function () { /* a stale candidate */ }); });
  };

  Peer.prototype.signal = function (data) {
    var self = this;
    if (this.closed || !data || typeof data !== "object") return Promise.resolve();
    if (data.call && data.type !== "offer" && data.call !== this.id) return Promise.resolve();
    if (data.candidate) {
      if (this.pc && this.pc.remoteDescription) return this.pc.addIceCandidate(data.candidate).catch(function () {});
      this.early.push(data.candidate);
      return Promise.resolve();
    }
    if (data.type === "answer" && this.pc) {
      if (this.pc.signalingState !== "have-local-offer") return Promise.resolve();
      return this.pc.setRemoteDescription({ type: "answer", sdp: data.sdp }).then(function () { self._flushEarly(); });
    }
    if (data.type === "offer") {
      if (data.call) this.id = data.call;
      var pc = null;
      return this._ensure().then(function (made) {
        pc = made;
        if (!pc || self.closed) throw CLOSED;
        return pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
      }).then(function () {
        addLocal(pc, self.opts.stream, null);        /* after the offer: reuses its transceivers */
        pc.getTransceivers().forEach(function (t) {
          if (t.receiver && t.receiver.track && !t.sender.track) t.direction = "recvonly";
        });
        keepFrameRate(pc);
        self._flushEarly();
        return pc.createAnswer();
      }).then(function (answer) {
        return pc.setLocalDescription(answer);
      }).then(function () {
        if (!self.closed) self.opts.onSignal({ type: "answer", sdp: pc.localDescription.sdp, call: self.id });
      }).catch(function (e) { if (e !== CLOSED) throw e; });
    }
    return Promise.resolve();
  };

  Peer.prototype.rttOpen = function () { return !!this.dc && this.dc.readyState === "open"; };

  Peer.prototype.sendRtt = function (text) {
    if (!this.rttOpen()) return false;
    try { this.dc.send(JSON.stringify({ text: text })); return true; } catch (e) { return false; }
  };

  Peer.prototype.close = function () {
    this.closed = true;
    var i = live.indexOf(this);
    if (i >= 0) live.splice(i, 1);
    if (this.dc) { try { this.dc.close(); } catch (e) { /* ignore */ } }
    if (this.pc) { try { this.pc.close(); } catch (e) { /* ignore */ } }
    this.dc = null;
    this.pc = null;
    this.remote = null;
  };

  /* ---------- the analysis copy to the gateway ---------- */
  function iceComplete(pc, ms) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
      function check() { if (pc.iceGatheringState === "complete") done(); }
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  function sendAnalysis(stream, sessionId, token, lang) {
    return iceConfig({ session: sessionId, token: token }).then(function (config) {
      return analysisOffer(new RTCPeerConnection(config), stream, sessionId, token, lang);
    });
  }

  function analysisOffer(pc, stream, sessionId, token, lang) {
    analysisLive.push(pc);
    pc.addEventListener("connectionstatechange", function () {
      if (pc.connectionState !== "closed") return;
      var i = analysisLive.indexOf(pc);
      if (i >= 0) analysisLive.splice(i, 1);
    });
    addLocal(pc, stream, null, "sendonly");
    keepFrameRate(pc);
    return pc.createOffer()
      .then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () { return iceComplete(pc, 6000); })
      .then(function () {
        return H.api("/api/v1/sessions/" + encodeURIComponent(sessionId) + "/media", {
          method: "POST", token: token, body: { type: "offer", sdp: pc.localDescription.sdp, lang: lang || undefined }
        });
      })
      .then(function (answer) {
        if (!answer || answer.type !== "answer" || typeof answer.sdp !== "string") throw new H.ApiError(502, "bad_answer", "no SDP answer");
        return pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
      })
      .then(function () { return pc; }, function (err) {
        forgetAnalysis(pc);
        throw err;
      });
  }

  function forgetAnalysis(pc) {
    var i = analysisLive.indexOf(pc);
    if (i >= 0) analysisLive.splice(i, 1);
    try { pc.close(); } catch (e) { /* ignore */ }
  }

  /* The analysis copy, kept up: retried (with back-off) when the network fails, given up when the
   * gateway refuses it (4xx: no media endpoint, not a video call, bad SDP).
   *   new AnalysisCopy({media: fn() -> Promise<stream|null>, target: fn() -> {id, token, lang} | null,
   *                     onState: fn("connecting" | "on" | "retrying" | "unavailable" | "off")})
   *   copy.start(fresh) / copy.stop() */
  function AnalysisCopy(opts) {
    this.opts = opts;
    this.pc = null;
    this.gen = 0;
    this.tries = 0;
    this.timer = null;
    this.dead = false;
  }

  AnalysisCopy.prototype._state = function (s) { if (this.opts.onState) this.opts.onState(s); };

  AnalysisCopy.prototype.stop = function () {
    this.gen += 1;
    clearTimeout(this.timer);
    if (this.pc) forgetAnalysis(this.pc);
    this.pc = null;
    this._state("off");
  };

  AnalysisCopy.prototype.start = function (fresh) {
    var self = this;
    if (fresh) { this.stop(); this.dead = false; this.tries = 0; }
    var target = this.opts.target();
    if (this.pc || this.dead || !target) return;
    var gen = this.gen;
    this._state("connecting");
    this.opts.media().then(function (stream) {
      if (!stream || gen !== self.gen) return null;
      return sendAnalysis(stream, target.id, target.token, target.lang).then(function (pc) {
        if (gen !== self.gen) { forgetAnalysis(pc); return; }
        self.pc = pc;
        self.tries = 0;
        self._state("on");
        pc.addEventListener("connectionstatechange", function () {
          if (self.pc === pc && pc.connectionState === "failed") { self.stop(); self._retry(); }
        });
      });
    }).catch(function (err) {
      if (gen !== self.gen) return;
      if (err && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        self.dead = true;
        self._state("unavailable");
        if (window.console) console.warn("analysis copy refused:", err.code, err.message);
        return;
      }
      self._retry();
    });
  };

  AnalysisCopy.prototype._retry = function () {
    var self = this;
    if (this.tries >= 4) { this._state("unavailable"); return; }
    this.tries += 1;
    this._state("retrying");
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.start(false); }, 3000 * this.tries);
  };

  /* Play a remote stream; if the browser refuses sound without a tap, play muted and call onBlocked. */
  function play(el, stream, onBlocked) {
    if (el.srcObject !== stream) el.srcObject = stream;
    var p = el.play();
    if (p && p.catch) {
      p.catch(function () {
        el.muted = true;
        el.play().catch(function () { /* will start when shown */ });
        if (onBlocked) onBlocked();
      });
    }
  }

  /* For tests and for a support person's devtools: the peer connections of the calls on this page
   * (not the analysis copy), as a new array; reading their getStats() changes nothing. */
  function debugPeers() {
    return live.map(function (p) { return p.pc; }).filter(Boolean);
  }

  function debugAnalysis() { return analysisLive.slice(); }

  H.RTC = { mediaSupport: mediaSupport, getMedia: getMedia, stop: stop, iceConfig: iceConfig, iceFor: iceFor, Peer: Peer,
            sendAnalysis: sendAnalysis, AnalysisCopy: AnalysisCopy, play: play, debugPeers: debugPeers,
            debugAnalysis: debugAnalysis };
  H.debugPeers = debugPeers;
})();

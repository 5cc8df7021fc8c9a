/* A small reconnecting WebSocket with exponential backoff and JSON messages.
 *
 *   var sock = new Hotline.ReconnectingSocket({
 *     url: function () { return Hotline.wsUrl("/ws/seat", {token: t}); },
 *     onMessage: function (msg) {},      // parsed JSON object
 *     onOpen: function () {},            // after every (re)connect
 *     onClose: function (info) {},       // {code, reason, willRetry, delayMs}
 *     onStatus: function (status) {},    // "connecting" | "open" | "waiting" | "stopped"
 *     onFailure: function (n) {}         // n consecutive attempts closed before any message
 *   });
 *   sock.start(); sock.send({type: "ping"}); sock.stop();
 *
 * Sends {"type":"ping"} every pingMs; a socket that receives nothing for idleMs
 * is treated as dead and replaced (mobile networks often drop silently).
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});

  function ReconnectingSocket(opts) {
    this.opts = opts || {};
    this.minDelay = this.opts.minDelayMs || 500;
    this.maxDelay = this.opts.maxDelayMs || 15000;
    this.pingMs = this.opts.pingMs || 20000;
    this.idleMs = this.opts.idleMs || 50000;
    this.stableMs = this.opts.stableMs || 5000;
    this.ws = null;
    this.attempt = 0;
    this.failures = 0;
    this.stopped = true;
    this.status = "stopped";
    this.timer = null;
    this.pingTimer = null;
    this.stableTimer = null;
    this.gotMessage = false;
    this.lastMessageAt = 0;
    var self = this;
    this._onOnline = function () { if (!self.stopped && self.status === "waiting") self.reconnectNow(); };
    this._onVisible = function () {
      if (document.visibilityState === "visible" && !self.stopped && self.status === "waiting") self.reconnectNow();
    };
  }

  ReconnectingSocket.prototype._setStatus = function (s) {
    if (this.status === s) return;
    this.status = s;
    if (this.opts.onStatus) this.opts.onStatus(s);
  };

  ReconnectingSocket.prototype.start = function () {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this._onOnline);
    document.addEventListener("visibilitychange", this._onVisible);
    this._connect();
  };

  ReconnectingSocket.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    this._clearTimers();
    window.removeEventListener("online", this._onOnline);
    document.removeEventListener("visibilitychange", this._onVisible);
    if (this.ws) {
      var ws = this.ws;
      this.ws = null;
      this._detach(ws);
      try { ws.close(1000, "client stop"); } catch (e) { /* ignore */ }
    }
    this._setStatus("stopped");
  };

  ReconnectingSocket.prototype.isOpen = function () {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  };

  /* Returns true if the message was handed to an open socket. */
  ReconnectingSocket.prototype.send = function (obj) {
    if (!this.isOpen()) return false;
    try {
      this.ws.send(JSON.stringify(obj));
      return true;
    } catch (e) {
      return false;
    }
  };

  ReconnectingSocket.prototype.resetBackoff = function () { this.attempt = 0; this.failures = 0; };

  ReconnectingSocket.prototype.reconnectNow = function () {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (this.ws) this._dropSocket(4000, "reconnect");
    else this._connect();
  };

  ReconnectingSocket.prototype._clearTimers = function () {
    clearInterval(this.pingTimer);
    clearTimeout(this.stableTimer);
    this.pingTimer = null;
    this.stableTimer = null;
  };

  ReconnectingSocket.prototype._detach = function (ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  };

  ReconnectingSocket.prototype._connect = function () {
    if (this.stopped) return;
    var self = this;
    var url = typeof this.opts.url === "function" ? this.opts.url() : this.opts.url;
    var ws;
    this._setStatus("connecting");
    this.gotMessage = false;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this._scheduleReconnect({ code: 0, reason: String(e) });
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.lastMessageAt = Date.now();
      self._setStatus("open");
      self.stableTimer = setTimeout(function () { self.attempt = 0; }, self.stableMs);
      self.pingTimer = setInterval(function () { self._tick(); }, self.pingMs);
      if (self.opts.onOpen) self.opts.onOpen();
    };
    ws.onmessage = function (ev) {
      if (self.ws !== ws) return;
      self.lastMessageAt = Date.now();
      self.gotMessage = true;
      self.failures = 0;
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "pong") return;
      if (self.opts.onMessage) self.opts.onMessage(msg);
    };
    ws.onerror = function () { /* onclose follows */ };
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self._dropSocket(ev.code, ev.reason);
    };
  };

  ReconnectingSocket.prototype._tick = function () {
    if (!this.isOpen()) return;
    if (Date.now() - this.lastMessageAt > this.idleMs) {
      this._dropSocket(4001, "idle timeout");
      return;
    }
    this.send({ type: "ping" });
  };

  ReconnectingSocket.prototype._dropSocket = function (code, reason) {
    var ws = this.ws;
    this.ws = null;
    this._clearTimers();
    if (ws) {
      this._detach(ws);
      try { ws.close(); } catch (e) { /* ignore */ }
    }
    if (!this.gotMessage) {
      this.failures += 1;
      if (this.opts.onFailure) this.opts.onFailure(this.failures);
    }
    this._scheduleReconnect({ code: code, reason: reason });
  };

  ReconnectingSocket.prototype._scheduleReconnect = function (info) {
    if (this.stopped) {
      if (this.opts.onClose) this.opts.onClose({ code: info.code, reason: info.reason, willRetry: false, delayMs: 0 });
      return;
    }
    var base = Math.min(this.maxDelay, this.minDelay * Math.pow(2, this.attempt));
    var delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this._setStatus("waiting");
    if (this.opts.onClose) this.opts.onClose({ code: info.code, reason: info.reason, willRetry: true, delayMs: delay });
    var self = this;
    clearTimeout(this.timer);
    if (this.stopped) return; /* onClose may have stopped us */
    this.timer = setTimeout(function () { self._connect(); }, delay);
  };

  H.ReconnectingSocket = ReconnectingSocket;
})();

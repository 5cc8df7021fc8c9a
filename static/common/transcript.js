/* A chat transcript rendered into a container, ordered by `seq`, with duplicates dropped.
 *
 * Each message is <div class="msg from-caller|from-seat|from-interpreter|from-system" data-seq="N">.
 * opts.ownFrom: who "we" are ("caller", "seat", "interpreter"), or a function returning it (an agent
 * console is the seat of one session and the interpreter of another).
 * Messages we sent that the server has not acknowledged yet have no data-seq,
 * carry data-client-id and the class "pending", and show "sending…".
 * Local status notes (not part of the server transcript) are <div class="notice">,
 * never ".msg", so they cannot be confused with real messages.
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var FROM = { caller: "from-caller", seat: "from-seat", interpreter: "from-interpreter", system: "from-system" };

  function Transcript(container, opts) {
    this.box = container;
    this.opts = opts || {};
    this.bySeq = new Map();      // seq -> element
    this.pendingById = new Map(); // client_id -> {el, text}
    this.maxSeq = 0;
    /* A log read at its bottom stays at its bottom when it is resized (a panel opens
     * beside it, the phone keyboard appears); one scrolled up by the reader is left alone. */
    var self = this;
    this.stuck = true;
    this.dims = "";
    container.addEventListener("scroll", function () {
      /* a scroll caused by a layout change (not by the reader) leaves `stuck` as it was */
      var d = self.box.scrollHeight + "/" + self.box.clientHeight;
      if (d === self.dims) self.stuck = self._nearBottom();
      self.dims = d;
    }, { passive: true });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (self.stuck) self.box.scrollTop = self.box.scrollHeight;
        self.dims = self.box.scrollHeight + "/" + self.box.clientHeight;
      }).observe(container);
    }
  }

  Transcript.prototype._label = function (from) {
    return this.opts.labelFor ? this.opts.labelFor(from) : from;
  };

  Transcript.prototype._time = function (d) {
    return d.toLocaleTimeString(this.opts.timeLocale || [], { hour: "2-digit", minute: "2-digit", hour12: this.opts.hour12 });
  };

  Transcript.prototype._nearBottom = function () {
    var b = this.box;
    return b.scrollHeight - b.scrollTop - b.clientHeight < 80;
  };

  /* Insert keeping children sorted by their _order (stable for equal orders). */
  Transcript.prototype._place = function (node, order) {
    var stick = this._nearBottom();
    node._order = order;
    var ref = null;
    for (var c = this.box.lastElementChild; c; c = c.previousElementSibling) {
      if (typeof c._order === "number" && c._order > order) ref = c;
      else break;
    }
    this.box.insertBefore(node, ref);
    if (stick || this.opts.alwaysScroll) this.box.scrollTop = this.box.scrollHeight;
  };

  Transcript.prototype._build = function (from, text, ts, extra) {
    var cls = FROM[from] || "from-system";
    var time = null;
    if (ts) {
      var d = new Date(ts);
      if (!isNaN(d.getTime())) {
        time = H.el("time", { class: "msg-time", datetime: ts, text: this._time(d) });
      }
    }
    var meta = H.el("div", { class: "msg-meta" }, [
      H.el("span", { class: "msg-who", text: this._label(from in FROM ? from : "system") }),
      time,
      H.el("span", { class: "msg-status" })
    ]);
    var body = H.el("p", { class: "msg-text", dir: "auto", text: text === null || text === undefined ? "" : String(text) });
    var node = H.el("div", { class: "msg " + cls }, [meta, body]);
    if (extra) node.appendChild(H.el("p", { class: "msg-extra", dir: "auto", text: extra }));
    return node;
  };

  /* Add or refresh a server message {seq, from, text, ts, client_id}. */
  Transcript.prototype.upsert = function (msg) {
    if (!msg || typeof msg.seq !== "number") return;
    if (msg.client_id && this.pendingById.has(msg.client_id)) {
      var p = this.pendingById.get(msg.client_id);
      this.pendingById.delete(msg.client_id);
      if (p.el.parentNode) p.el.parentNode.removeChild(p.el);
    }
    var extra = this.opts.extraText ? this.opts.extraText(msg) : null;
    var node = this._build(msg.from, msg.text, msg.ts, extra);
    node.setAttribute("data-seq", String(msg.seq));
    if (msg.client_id) node.setAttribute("data-client-id", msg.client_id);
    var old = this.bySeq.get(msg.seq);
    if (old) {
      /* duplicate (e.g. resent after reconnect, or hello replay): keep one element */
      var oldExtra = old.querySelector(".msg-extra"), newExtra = node.querySelector(".msg-extra");
      var same = old.className === node.className &&
        old.querySelector(".msg-text").textContent === node.querySelector(".msg-text").textContent &&
        (oldExtra ? oldExtra.textContent : "") === (newExtra ? newExtra.textContent : "");
      if (same) return;
      node._order = msg.seq;
      old.parentNode.replaceChild(node, old);
    } else {
      this._place(node, msg.seq);
    }
    this.bySeq.set(msg.seq, node);
    if (msg.seq > this.maxSeq) this.maxSeq = msg.seq;
  };

  Transcript.prototype.load = function (list) {
    if (!Array.isArray(list)) return;
    var self = this;
    list.slice().sort(function (a, b) { return (a.seq || 0) - (b.seq || 0); }).forEach(function (m) { self.upsert(m); });
  };

  /* A message we are sending: shown at the end as "sending…" until acked. */
  Transcript.prototype.addPending = function (clientId, text) {
    var own = typeof this.opts.ownFrom === "function" ? this.opts.ownFrom() : this.opts.ownFrom;
    var node = this._build(own || "caller", text, null, null);
    node.classList.add("pending");
    node.setAttribute("data-client-id", clientId);
    node.querySelector(".msg-status").textContent = this.opts.sendingText ? this.opts.sendingText() : "sending…";
    this.pendingById.set(clientId, { el: node, text: text });
    this._place(node, Infinity);
    this.box.scrollTop = this.box.scrollHeight;
  };

  Transcript.prototype.ack = function (clientId, seq) {
    var p = this.pendingById.get(clientId);
    if (!p) return false;
    this.pendingById.delete(clientId);
    if (typeof seq !== "number" || this.bySeq.has(seq)) {
      if (p.el.parentNode) p.el.parentNode.removeChild(p.el);
      return true;
    }
    p.el.classList.remove("pending");
    p.el.setAttribute("data-seq", String(seq));
    p.el.querySelector(".msg-status").textContent = "";
    var time = new Date();
    var meta = p.el.querySelector(".msg-meta");
    meta.insertBefore(H.el("time", { class: "msg-time", datetime: time.toISOString(), text: this._time(time) }), meta.lastChild);
    p.el.parentNode.removeChild(p.el);
    this._place(p.el, seq);
    this.bySeq.set(seq, p.el);
    if (seq > this.maxSeq) this.maxSeq = seq;
    return true;
  };

  /* [{client_id, text}] not yet acknowledged, oldest first. */
  Transcript.prototype.pending = function () {
    var out = [];
    this.pendingById.forEach(function (v, k) { out.push({ client_id: k, text: v.text }); });
    return out;
  };

  Transcript.prototype.notice = function (text, kind) {
    var node = H.el("div", { class: "notice" + (kind ? " notice-" + kind : ""), text: text });
    this._place(node, this.maxSeq + 0.5);
    return node;
  };

  Transcript.prototype.clear = function () {
    this.bySeq.clear();
    this.pendingById.clear();
    this.maxSeq = 0;
    while (this.box.firstChild) this.box.removeChild(this.box.firstChild);
  };

  H.Transcript = Transcript;
})();

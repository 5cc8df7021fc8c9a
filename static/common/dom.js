/* Small DOM and HTTP helpers shared by the caller page and the agent console.
 *
 * Rule for this whole front end: data from the server or the user is only ever
 * put into the page with textContent / createElement / setAttribute, never with
 * innerHTML, so no HTML can be injected.
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});

  /* el("div", {class: "x", "data-seq": 3, hidden: true}, ["text", childNode]) */
  H.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = String(v);
        else if (k === "class") node.className = String(v);
        else if (v === true) node.setAttribute(k, "");
        else node.setAttribute(k, String(v));
      });
    }
    H.append(node, children);
    return node;
  };

  H.append = function (node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    });
    return node;
  };

  H.$ = function (id) { return document.getElementById(id); };

  H.show = function (node, visible) {
    if (typeof node === "string") node = H.$(node);
    if (node) node.hidden = !visible;
  };

  H.setText = function (node, text) {
    if (typeof node === "string") node = H.$(node);
    if (node) node.textContent = text === null || text === undefined ? "" : String(text);
  };

  /* crypto.randomUUID is only available in secure contexts (https or localhost);
   * the intranet may serve plain http, so fall back to getRandomValues / Math.random. */
  H.uuid = function () {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try { return window.crypto.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  };

  /* "{n} min" style placeholders. */
  H.format = function (template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return values && Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  };

  /* 75 -> "1:15" */
  H.mmss = function (seconds) {
    var s = Math.max(0, Math.round(Number(seconds) || 0));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  };

  /* Absolute ws:// or wss:// URL for a path or URL relative to this page; params are set (replacing any already in it). */
  H.wsUrl = function (pathOrUrl, params) {
    var u = new URL(pathOrUrl, window.location.href);
    if (u.protocol === "http:") u.protocol = "ws:";
    else if (u.protocol === "https:") u.protocol = "wss:";
    if (params) {
      Object.keys(params).forEach(function (k) {
        if (params[k] !== undefined && params[k] !== null) u.searchParams.set(k, params[k]);
      });
    }
    return u.toString();
  };

  /* An HTTP error with the protocol's {"error": {"code", "message"}} body. */
  function ApiError(status, code, message) {
    this.name = "ApiError";
    this.status = status;
    this.code = code || "http_" + status;
    this.message = message || "HTTP " + status;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;
  ApiError.prototype.toString = function () { return this.code + ": " + this.message; };
  H.ApiError = ApiError;

  /* fetch JSON.  opts: {method, body (object), token, version}.  Resolves to the parsed
   * body (null for 204), rejects with ApiError (status 0 for network failures).  ``version``
   * makes the change conditional (If-Match: "7"); a 412 then carries ``current``, the record
   * as it is now, on the error. */
  H.api = function (path, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json" };
    if (opts.token) headers.Authorization = "Bearer " + opts.token;
    if (typeof opts.version === "number") headers["If-Match"] = '"' + opts.version + '"';
    var init = { method: opts.method || "GET", headers: headers, cache: "no-store", credentials: "same-origin" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    return fetch(path, init).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          if (text) {
            try { data = JSON.parse(text); } catch (e) { data = null; }
          }
          if (!res.ok) {
            var err = data && data.error ? data.error : {};
            var apiErr = new ApiError(res.status, err.code, err.message || (text && !data ? text.slice(0, 200) : null));
            if (data && data.current && data.current.id) apiErr.current = data.current;
            throw apiErr;
          }
          return data;
        });
      },
      function (e) {
        throw new ApiError(0, "network", String((e && e.message) || e));
      }
    );
  };

  /* Queue position and estimated wait (#queue-position, #queue-eta), shared by the caller pages.
   * ``t`` is the page's string lookup: t(key, {n}) in the caller's language. */
  H.renderQueue = function (q, t) {
    if (!q) return;
    H.setText("queue-position", typeof q.position === "number" ? t("queue_position", { n: q.position }) : "…");
    var unknown = q.eta_s === null || q.eta_s === undefined || q.seats_online === false;
    var eta = document.getElementById("queue-eta");
    if (!eta) return;
    eta.textContent = unknown ? t("eta_unknown") : t("eta", { n: Math.max(1, Math.ceil(Number(q.eta_s) / 60)) });
    eta.classList.toggle("eta-unknown", unknown);
  };
})();

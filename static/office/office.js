/* The back office (/office): log in (or paste an access token from `hotline-gateway users create`),
 * learn the role from GET /api/v1/auth/me, and show that role's work queue; a ticket opens beside
 * it with the role's actions (department.js, review.js, callback.js).  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var O = H.Office;
  var $ = H.$;
  var STORE = "hotline.office";
  var REFRESH_MS = 30000;
  var OPEN = "dispatched,returned,replied,callback,review";

  /* which queues a role works from (the first is shown first) */
  var VIEWS_OF = {
    department: ["department"],
    reviewer: ["review", "extensions"],
    callback: ["callback"],
    supervisor: ["review", "extensions", "callback", "all"],
    admin: ["review", "extensions", "callback", "all"],
    agent: ["all"]
  };
  var QUEUE_OF = {
    department: "/api/v1/department/queue",
    review: "/api/v1/review/queue",
    callback: "/api/v1/callback/queue",
    all: "/api/v1/tickets?status=" + OPEN + "&limit=200",
    extensions: "/api/v1/tickets?status=dispatched&limit=200"
  };
  var timer = null;
  var loadSeq = 0;

  /* ---------- login ---------- */
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify({ token: O.token, user: O.user })); } catch (e) { /* private mode */ }
  }
  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  function loginError(zh, en, err) {
    var box = $("login-error");
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(L.bi(zh, en));
    if (err) box.appendChild(H.el("span", { class: "err-code", lang: "en", text: " (" + err.code + ": " + err.message + ")" }));
    box.hidden = false;
  }

  /* The role: GET /api/v1/auth/me; with a login, its user object if /me is missing (404). */
  function enter(token, fallbackUser) {
    O.token = token;
    H.show("login-error", false);
    return O.api("/api/v1/auth/me").then(null, function (err) {
      if (err.status === 404 && fallbackUser) return fallbackUser;
      throw err;
    }).then(function (user) {
      O.user = user;
      save();
      start();
    }, function (err) {
      O.token = null;
      loginError("无法登录", "Could not log in", err);
    });
  }

  function onLogin(ev) {
    ev.preventDefault();
    H.api("/api/v1/auth/login", { method: "POST", body: { login: $("login-name").value.trim(), password: $("login-password").value } })
      .then(function (res) {
        $("login-password").value = "";
        return enter(res.token, res.user);
      }, function (err) {
        if (err.status === 401) loginError("账号或密码错误", "Wrong login or password", err);
        else loginError("登录失败", "Login failed", err);
      });
  }

  function onToken(ev) {
    ev.preventDefault();
    var t = $("token-input").value.trim();
    $("token-input").value = "";
    if (t) enter(t, null);
  }

  function logout(expired) {
    if (O.token && !expired) H.api("/api/v1/auth/logout", { method: "POST", token: O.token }).catch(function () {});
    O.token = null;
    O.user = null;
    clearInterval(timer);
    try { sessionStorage.removeItem(STORE); } catch (e) { /* ignore */ }
    O.clearTicket();
    O.showError(null);
    H.show("office-view", false);
    H.show("user-bar", false);
    H.show("login-view", true);
    if (expired) loginError("登录已失效，请重新登录", "Your login has expired, please log in again");
  }

  /* ---------- the work area ---------- */
  function start() {
    var role = O.user.role in VIEWS_OF ? O.user.role : "agent";
    H.show("login-view", false);
    H.show("office-view", true);
    H.show("user-bar", true);
    H.setText("user-name", O.user.name || O.user.login || "");
    var r = $("user-role");
    r.setAttribute("data-role", role);
    while (r.firstChild) r.removeChild(r.firstChild);
    r.appendChild(L.biFor(L.office.role, role));
    if (O.user.department) r.appendChild(H.el("span", { class: "user-dept", text: " · " + O.deptName(O.user.department) }));
    H.show("supervisor-link", role === "supervisor" || role === "admin");
    var tabs = $("view-tabs");
    while (tabs.firstChild) tabs.removeChild(tabs.firstChild);
    VIEWS_OF[role].forEach(function (v) {
      var b = H.el("button", { type: "button", class: "btn view-tab", "data-view": v, "aria-pressed": "false" }, L.biFor(L.office.view, v));
      b.addEventListener("click", function () { choose(v); });
      tabs.appendChild(b);
    });
    H.show(tabs, VIEWS_OF[role].length > 1);
    choose(VIEWS_OF[role][0]);
    clearInterval(timer);
    timer = setInterval(function () { refresh(true); }, REFRESH_MS);
  }

  function choose(view) {
    O.viewName = view;
    document.body.setAttribute("data-view", view);
    Array.prototype.forEach.call($("view-tabs").children, function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-view") === view ? "true" : "false");
    });
    var h = $("queue-h");
    while (h.firstChild) h.removeChild(h.firstChild);
    h.appendChild(L.biFor(L.office.view, view));
    O.clearTicket();
    O.note(null);
    refresh(false);
  }

  /* The queue: full tickets from the role queues, summaries from GET /api/v1/tickets. */
  function refresh(quiet) {
    var seq = ++loadSeq;
    var view = O.viewName;
    H.setText("queue-status", quiet ? $("queue-status").textContent : "…");
    return O.api(QUEUE_OF[view]).then(function (body) {
      var list = Array.isArray(body) ? body : (body && (body.tickets || body.items)) || [];
      return view === "extensions" ? pendingExtensions(list) : list;
    }).then(function (list) {
      if (seq !== loadSeq) return;
      render(list);
      if (!quiet) O.showError(null);
    }, function (err) {
      if (seq !== loadSeq) return;
      H.setText("queue-status", "");
      O.showError(err);
    });
  }
  O.onChanged = function () { refresh(true); };

  /* Pending extension requests sit on dispatched tickets, in no queue.  The list rows do not say
   * whether a request is pending (no `extension_request` in them), so each dispatched ticket is
   * read; if the rows ever carry the field, it is used directly. */
  function pendingExtensions(rows) {
    if (rows.length && "extension_request" in rows[0]) return rows.filter(function (t) { return t.extension_request; });
    return Promise.all(rows.map(function (r) {
      return O.api("/api/v1/tickets/" + encodeURIComponent(r.id)).then(null, function () { return null; });
    })).then(function (full) { return full.filter(function (t) { return t && t.extension_request; }); });
  }
  O.onAuthLost = function () { logout(true); };

  function item(t) {
    var info = t.deadline_info || null;
    var btn = H.el("button", { type: "button", class: "q-item", "data-ticket-id": t.id, "data-status": t.status,
      "data-deadline": info ? info.state : "none", "aria-current": O.current && O.current.id === t.id ? "true" : null }, [
      H.el("span", { class: "q-number", text: t.number || t.id }),
      H.el("span", { class: "badge", "data-status": t.status }, L.biFor(L.ticketStatus, t.status)),
      info ? O.deadlineBadge(info, true) : null,
      O.repeatedly(t) ? H.el("span", { class: "mark mark-repeat", "data-flag": "returned_repeatedly" },
        L.bi("多次退回 ×" + (t.return_count || 2), "Returned repeatedly")) : null,
      H.el("span", { class: "q-dept", text: t.department ? O.deptName(t.department) : "" }),
      H.el("span", { class: "q-text", lang: "zh", text: (t.text_zh || t.text_original || "").slice(0, 80) })
    ]);
    btn.addEventListener("click", function () { open(t); });
    return H.el("li", null, btn);
  }

  function render(list) {
    var ul = $("queue-list");
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    list.forEach(function (t) { ul.appendChild(item(t)); });
    ul.setAttribute("data-count", String(list.length));
    H.setText("queue-status", list.length ? list.length + " 件 · " + list.length + " tickets" : "暂无工单 · No tickets");
  }

  /* Queue entries come without their history (and the read-only list has summaries only), so
   * the ticket is always read in full, as the role sees it. */
  function open(t) {
    O.showError(null);
    O.note(null);
    O.api("/api/v1/tickets/" + encodeURIComponent(t.id)).then(function (ticket) {
      O.show(ticket);
      Array.prototype.forEach.call(document.querySelectorAll(".q-item"), function (b) {
        b.setAttribute("aria-current", b.getAttribute("data-ticket-id") === ticket.id ? "true" : "false");
      });
      $("ticket-view").focus();
    }, O.showError);
  }

  /* ---------- boot ---------- */
  function boot() {
    $("login-form").addEventListener("submit", onLogin);
    $("token-form").addEventListener("submit", onToken);
    $("logout").addEventListener("click", function () { logout(false); });
    $("queue-refresh").addEventListener("click", function () { refresh(false); });
    $("office-error-close").addEventListener("click", function () { O.showError(null); });
    O.loadCatalog().then(function () {
      var saved = load();
      if (saved && saved.token) enter(saved.token, saved.user);
      else { H.show("login-view", true); $("login-name").focus(); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

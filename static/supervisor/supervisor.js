/* The supervisor dashboard (/supervisor): GET /api/v1/stats every 10 s for a period of Shanghai
 * days.  Every figure is on the page as text (elements with data-metric and data-value = the
 * API's number) and in tables beside the charts; Chart.js draws the same numbers.  CSV export
 * fetches ?format=csv with the token and hands it over as a file.  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;
  var STORE = "hotline.supervisor";
  var OFFICE_STORE = "hotline.office";      /* the back office's login in this tab */
  var REFRESH_MS = 10000;
  var TARGET_30S = 0.85;

  var token = null;
  var store = new H.StoredToken(STORE, [OFFICE_STORE]);
  var timer = null;
  var catalog = { departments: [] };
  var loads = 0;

  function showError(err) {
    var box = $("office-error-text");
    while (box.firstChild) box.removeChild(box.firstChild);
    H.show("office-error", !!err);
    if (!err) return;
    box.appendChild(L.bi("出错了", "Error"));
    box.appendChild(H.el("code", { text: " " + (err.code || "error") + (err.status ? " (" + err.status + ")" : "") + ": " }));
    box.appendChild(H.el("span", { lang: "en", text: err.message || String(err) }));
  }

  /* ---------- login ---------- */
  function setToken(t, fresh) {
    token = t;
    if (!t) store.clear();
    else if (fresh) store.save(t);
    H.show("login-view", !t);
    H.show("dash-view", !!t);
    H.show("user-bar", !!t);
    clearInterval(timer);
    if (t) {
      load();
      timer = setInterval(function () { if ($("auto-refresh").checked) load(); }, REFRESH_MS);
    }
  }

  function onLogin(ev) {
    ev.preventDefault();
    showError(null);
    H.api("/api/v1/auth/login", { method: "POST", body: { login: $("login-name").value.trim(), password: $("login-password").value } })
      .then(function (res) { $("login-password").value = ""; setToken(res.token, true); }, showError);
  }

  function onToken(ev) {
    ev.preventDefault();
    var t = $("token-input").value.trim();
    $("token-input").value = "";
    if (t) { showError(null); setToken(t, true); }
  }

  /* ---------- figures ---------- */
  function query(format) {
    return "/api/v1/stats?from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value) +
      (format ? "&format=" + format : "");
  }

  function pct(v) { return typeof v === "number" ? (v * 100).toFixed(1) + " %" : "— 无数据 no data"; }

  /* every element showing `metric`: its text, and the API's number in data-value */
  function metric(name, value, text) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-metric="' + name + '"]'), function (el) {
      el.setAttribute("data-value", value === null || value === undefined ? "" : String(value));
      el.textContent = text;
    });
  }

  function table(id, heads, rows, empty) {
    var t = $(id);
    while (t.firstChild) t.removeChild(t.firstChild);
    t.appendChild(H.el("thead", null, H.el("tr", null, heads.map(function (h) { return H.el("th", { scope: "col" }, L.bi(h[0], h[1])); }))));
    var body = H.el("tbody");
    rows.forEach(function (r) {
      body.appendChild(H.el("tr", { "data-key": r.key }, r.cells.map(function (c, i) {
        return i === 0 ? H.el("th", { scope: "row", text: c }) : H.el("td", { class: "num", text: String(c) });
      })));
    });
    if (!rows.length) body.appendChild(H.el("tr", null, H.el("td", { colspan: heads.length, class: "muted" }, L.bi(empty[0], empty[1]))));
    t.appendChild(body);
  }

  function deptName(code) {
    var d = (catalog.departments || []).filter(function (x) { return x.code === code; })[0];
    return d ? d.zh + " (" + code + ")" : code;
  }

  /* The contract says draft_acceptance is a number with draft_acceptance_by_field beside it; the
   * server may also send {overall, by_field}.  Both are read. */
  function drafts(s) {
    var d = s.draft_acceptance;
    if (d && typeof d === "object") return { overall: d.overall, byField: d.by_field || {} };
    return { overall: d, byField: s.draft_acceptance_by_field || {} };
  }

  function render(s) {
    var contacts = s.contacts || {};
    metric("answered_within_30s", s.answered_within_30s, pct(s.answered_within_30s));
    metric("answered_within_120s", s.answered_within_120s, pct(s.answered_within_120s));
    metric("aht_seconds", s.aht_seconds, typeof s.aht_seconds === "number" ? H.mmss(s.aht_seconds) + " (" + Math.round(s.aht_seconds) + " s)" : "— 无数据 no data");
    metric("contacts_answered", contacts.answered, String(contacts.answered || 0));
    metric("contacts_abandoned", contacts.abandoned, String(contacts.abandoned || 0));
    var dr = drafts(s);
    metric("draft_acceptance", dr.overall, pct(dr.overall));
    var sat = s.satisfaction || {};
    metric("satisfaction_average", sat.average, typeof sat.average === "number" ? sat.average.toFixed(2) + " / 5" : "— 无数据 no data");
    metric("satisfaction_count", sat.count, String(sat.count || 0));
    var overdue = s.overdue || { count: 0, tickets: [] };
    metric("overdue_count", overdue.count, String(overdue.count || 0));

    var met = typeof s.answered_within_30s === "number" ? s.answered_within_30s >= TARGET_30S : null;
    var target = $("target-30s");
    target.setAttribute("data-met", met === null ? "" : String(met));
    while (target.firstChild) target.removeChild(target.firstChild);
    target.appendChild(met === null ? L.bi("目标 85 %", "Target 85 %") : met ? L.bi("✓ 达到 85 % 目标", "meets the 85 % target") : L.bi("✗ 未达 85 % 目标", "below the 85 % target"));

    var C = H.Charts;
    C.render("chart-speed", ["≤ 30 s", "≤ 120 s"], [{ label: "接通率 Answered", data: [s.answered_within_30s, s.answered_within_120s].map(function (v) { return typeof v === "number" ? +(v * 100).toFixed(1) : 0; }) }],
      { percent: true, colorPerBar: true, target: { value: TARGET_30S * 100, label: "85 % 目标 target" },
        summary: "30 s: " + pct(s.answered_within_30s) + "; 120 s: " + pct(s.answered_within_120s) + "; target 85 %" });

    var queues = s.queues || [];
    var qLabels = queues.map(function (q) { return q.queue + " · " + q.skill; });
    C.render("chart-queues", qLabels, [{ label: "排队 Waiting", data: queues.map(function (q) { return q.waiting || 0; }) }]);
    table("table-queues", [["队列 · 技能", "Queue · skill"], ["排队", "Waiting"], ["最长等待", "Longest wait"]],
      queues.map(function (q) { return { key: q.queue + "/" + q.skill, cells: [q.queue + " · " + q.skill, q.waiting || 0, H.mmss(q.oldest_wait_s || 0)] }; }),
      ["无人排队", "Nobody waiting"]);

    var byState = (s.seats && s.seats.by_state) || {};
    var states = Object.keys(byState);
    C.render("chart-seats", states.map(function (k) { return L.text(L.seatState, k); }), [{ label: "坐席 Seats", data: states.map(function (k) { return byState[k]; }) }], { colorPerBar: true });
    table("table-seats", [["状态", "State"], ["坐席数", "Seats"]], states.map(function (k) { return { key: k, cells: [L.text(L.seatState, k), byState[k]] }; }), ["无坐席", "No seats"]);

    var fields = Object.keys(dr.byField);
    C.render("chart-drafts", fields.map(function (f) { return L.text(L.field, f); }), [{ label: "采纳率 Accepted", data: fields.map(function (f) { return +(dr.byField[f] * 100).toFixed(1); }) }], { percent: true, horizontal: true });
    table("table-drafts", [["字段", "Field"], ["采纳率", "Accepted"]], fields.map(function (f) { return { key: f, cells: [L.text(L.field, f), pct(dr.byField[f])] }; }), ["暂无草稿", "No drafts in this period"]);

    var ret = s.returns_by_department || {};
    var depts = Object.keys(ret).sort(function (a, b) { return ret[b] - ret[a]; });
    C.render("chart-returns", depts, [{ label: "退单 Returns", data: depts.map(function (d) { return ret[d]; }) }]);
    table("table-returns", [["部门", "Department"], ["退单", "Returns"]], depts.map(function (d) { return { key: d, cells: [deptName(d), ret[d]] }; }), ["无退单", "No returns"]);

    var levels = sat.by_level || {};
    var lv = ["1", "2", "3", "4", "5"];
    C.render("chart-satisfaction", lv.map(function (k) { return k + " " + L.office.satisfaction[k][0]; }), [{ label: "回访 Callbacks", data: lv.map(function (k) { return levels[k] || 0; }) }], { colorPerBar: true });
    table("table-satisfaction", [["等级", "Level"], ["份数", "Callbacks"]], lv.map(function (k) { return { key: k, cells: [k + " " + L.text(L.office.satisfaction, k), levels[k] || 0] }; }), ["", ""]);

    table("table-overdue", [["工单号", "Ticket"], ["承办部门", "Department"], ["期限", "Due"]],
      (overdue.tickets || []).map(function (t) { return { key: t.id, cells: [t.number || t.id, deptName(t.department), L.time(t.due)] }; }),
      ["无超期工单", "No overdue tickets"]);
  }

  function load(ev) {
    if (ev) ev.preventDefault();
    if (!token) return;
    H.api(query(), { token: token }).then(function (s) {
      showError(null);
      render(s);
      loads += 1;
      var up = $("updated");
      up.setAttribute("data-loads", String(loads));
      up.textContent = "更新于 Updated " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
    }, function (err) {
      if (err.status === 401 || err.status === 403) setToken(null);    /* not (or no longer) a supervisor's token */
      showError(err);
    });
  }

  /* The CSV needs the token, so it is fetched and handed to the browser as a file. */
  function exportCsv() {
    showError(null);
    fetch(query("csv"), { headers: { Authorization: "Bearer " + token }, cache: "no-store" }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return null; }).then(function (b) {
          var e = (b && b.error) || {};
          throw { status: res.status, code: e.code || "http_" + res.status, message: e.message || "HTTP " + res.status };
        });
      }
      return res.blob().then(function (blob) {
        var a = H.el("a", { id: "csv-link", href: URL.createObjectURL(blob), download: "hotline-stats-" + $("from").value + "-" + $("to").value + ".csv" });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    }).catch(showError);
  }

  /* ---------- boot ---------- */
  function shanghaiDay(offsetDays) {
    return new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000).toISOString().slice(0, 10);
  }

  function boot() {
    $("from").value = shanghaiDay(0);
    $("to").value = shanghaiDay(0);
    $("login-form").addEventListener("submit", onLogin);
    $("token-form").addEventListener("submit", onToken);
    $("period-form").addEventListener("submit", load);
    $("csv").addEventListener("click", exportCsv);
    $("office-error-close").addEventListener("click", function () { showError(null); });
    $("logout").addEventListener("click", function () {
      if (!store.borrowed) H.api("/api/v1/auth/logout", { method: "POST", token: token }).catch(function () {});
      else try { sessionStorage.removeItem(OFFICE_STORE); } catch (e) { /* ignore */ }
      setToken(null);
    });
    if (!window.Chart) showError({ code: "chart_missing", message: "/static/vendor/chart.umd.js did not load; the figures are shown as text only" });
    H.api("/api/v1/catalog").then(function (c) { catalog = c || catalog; }, function () { /* codes only */ })
      .then(function () { setToken(store.load()); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

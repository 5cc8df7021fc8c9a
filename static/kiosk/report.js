/* Kiosk report (/kiosk/report): log in as a supervisor or admin (or reuse the console's login in
 * this tab, or paste an access token from `hotline-gateway users create`), then see the anonymous
 * kiosk counters by kiosk and hour with totals, and export them as CSV.  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var STORE = "hotline.kiosk.report";
  var CONSOLE_STORE = "hotline.seat";          /* the agent console's login in this tab */
  var EVENTS = ["language_chosen", "qr_shown", "call_started"];
  var EVENT_LABEL = { language_chosen: ["选择语言", "Language chosen"], qr_shown: ["显示二维码", "QR shown"],
                      call_started: ["发起通话", "Calls started"] };

  var token = null;
  var store = new H.StoredToken(STORE, [CONSOLE_STORE]);   /* the console's token is never revoked from here */
  var names = {};                              /* code -> native name */

  function bi(zh, en) { return [zh + " ", H.el("span", { lang: "en", text: en })]; }

  function showError(err) {
    H.setText("report-error-text", err ? (err.code ? err.code + ": " : "") + (err.message || String(err)) : "");
    H.show("report-error", !!err);
  }

  function setToken(t, fresh) {
    token = t;
    if (!t) store.clear();
    else if (fresh) store.save(t);
    H.show("login-view", !t);
    H.show("report-view", !!t);
    H.show("logout", !!t);
    if (t) load();
  }

  function onLogin(ev) {
    ev.preventDefault();
    showError(null);
    H.api("/api/v1/auth/login", { method: "POST", body: { login: $("login-name").value, password: $("login-password").value } })
      .then(function (res) { $("login-password").value = ""; setToken(res.token, true); }, showError);
  }

  function onToken(ev) {
    ev.preventDefault();
    var t = $("token-input").value.trim();
    $("token-input").value = "";
    if (t) { showError(null); setToken(t, true); }
  }

  /* ---------- the report ---------- */
  function query(format) {
    var q = "from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value);
    var k = $("kiosk").value.trim();
    if (k) q += "&kiosk=" + encodeURIComponent(k);
    return "/api/v1/kiosk/report?" + q + (format ? "&format=" + format : "");
  }

  function load(ev) {
    if (ev) ev.preventDefault();
    showError(null);
    H.setText("report-status", "…");
    H.api(query(), { token: token }).then(render, function (err) {
      H.setText("report-status", "");
      if (err.status === 401) setToken(null);
      showError(err);
    });
  }

  function num(n) { return H.el("td", { class: "num", text: String(n || 0) }); }

  function eventHeads() {
    return EVENTS.map(function (e) { return H.el("th", { class: "num", scope: "col" }, bi(EVENT_LABEL[e][0], EVENT_LABEL[e][1])); });
  }

  /* rows (kiosk, hour, event, lang, channel, count) -> one line per kiosk and hour */
  function byKioskHour(rows) {
    var lines = [], index = {};
    rows.forEach(function (r) {
      var key = r.kiosk + "\u0000" + r.hour;
      var line = index[key];
      if (!line) { line = index[key] = { kiosk: r.kiosk, hour: r.hour, counts: {}, langs: {} }; lines.push(line); }
      line.counts[r.event] = (line.counts[r.event] || 0) + r.count;
      if (r.event === "language_chosen") line.langs[r.lang] = (line.langs[r.lang] || 0) + r.count;
    });
    return lines;
  }

  function langList(langs) {
    return Object.keys(langs).sort(function (a, b) { return langs[b] - langs[a]; })
      .map(function (c) { return (names[c] || c) + " " + langs[c]; }).join(" · ");
  }

  function hourTable(body) {
    var lines = byKioskHour(body.rows);
    var tbody = H.el("tbody", null, lines.map(function (l) {
      return H.el("tr", null, [H.el("th", { scope: "row", text: l.kiosk }), H.el("td", { text: l.hour.replace("T", " ") + ":00" })]
        .concat(EVENTS.map(function (e) { return num(l.counts[e]); }))
        .concat([H.el("td", { text: langList(l.langs) })]));
    }));
    var all = body.totals.all;
    return H.el("table", { class: "report-table", id: "hour-table" }, [
      H.el("caption", null, bi("按终端和小时", "By kiosk and hour")),
      H.el("thead", null, H.el("tr", null, [H.el("th", { scope: "col" }, bi("终端", "Kiosk")),
        H.el("th", { scope: "col" }, bi("小时", "Hour"))].concat(eventHeads()).concat([H.el("th", { scope: "col" }, bi("语言", "Languages"))]))),
      tbody,
      H.el("tfoot", null, H.el("tr", null, [H.el("th", { scope: "row", colspan: "2" }, bi("合计", "Total"))]
        .concat(EVENTS.map(function (e) { return num(all[e]); })).concat([H.el("td")])))
    ]);
  }

  function totalsTable(id, zh, en, table, label) {
    var keys = Object.keys(table);
    return H.el("table", { class: "report-table", id: id }, [
      H.el("caption", null, bi(zh, en)),
      H.el("thead", null, H.el("tr", null, [H.el("th", { scope: "col", text: "" })].concat(eventHeads()))),
      H.el("tbody", null, keys.map(function (k) {
        return H.el("tr", { "data-key": k }, [H.el("th", { scope: "row", text: label(k) })]
          .concat(EVENTS.map(function (e) { return num(table[k][e]); })));
      }))
    ]);
  }

  function render(body) {
    var box = $("tables");
    while (box.firstChild) box.removeChild(box.firstChild);
    H.setText("report-status", body.rows.length ? "" : "没有数据 · No counts in this period.");
    box.appendChild(hourTable(body));
    box.appendChild(totalsTable("lang-table", "按语言", "By language", body.totals.by_language,
      function (c) { return (names[c] ? names[c] + " · " : "") + c; }));
    box.appendChild(totalsTable("kiosk-table", "按终端", "By kiosk", body.totals.by_kiosk, function (k) { return k; }));
  }

  /* The CSV needs the token too, so it is fetched and handed to the browser as a file. */
  function exportCsv() {
    showError(null);
    fetch(query("csv"), { headers: { Authorization: "Bearer " + token }, cache: "no-store" }).then(function (res) {
      if (!res.ok) return res.json().then(function (b) { throw (b && b.error) || { message: "HTTP " + res.status }; });
      return res.blob().then(function (blob) {
        var a = H.el("a", { href: URL.createObjectURL(blob), download: "kiosk-report-" + $("from").value + "-" + $("to").value + ".csv" });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    }).catch(showError);
  }

  /* ---------- boot ---------- */
  function shanghaiDay(offsetDays) {
    var d = new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000);
    return d.toISOString().slice(0, 10);
  }

  function boot() {
    $("from").value = shanghaiDay(-6);
    $("to").value = shanghaiDay(0);
    $("login-form").addEventListener("submit", onLogin);
    $("token-form").addEventListener("submit", onToken);
    $("filter-form").addEventListener("submit", load);
    $("csv").addEventListener("click", exportCsv);
    $("logout").addEventListener("click", function () {
      if (!store.borrowed) H.api("/api/v1/auth/logout", { method: "POST", token: token }).catch(function () {});
      setToken(null);
    });
    H.api("/api/v1/kiosk/strings").then(function (b) {
      (b.languages || []).forEach(function (l) { names[l.code] = l.native; });
      names.csl = "中国手语";
    }, function () { /* codes only */ }).then(function () { setToken(store.load()); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

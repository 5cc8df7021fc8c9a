/* Seat state badge (#seat-state) and live queue table (#queues) for the agent console.
 *   Hotline.Status.state({state, reason, until}); Hotline.Status.queues([{queue, skill, waiting, oldest_wait_s}], langLabel)
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;
  var seatState = null;   // last state message
  var stateTimer = null;

  function state(m) {
    seatState = m;
    clearInterval(stateTimer);
    stateTimer = null;
    drawState();
    if (m.state === "wrap_up" && m.until) stateTimer = setInterval(drawState, 1000);
    $("state-available").setAttribute("aria-pressed", String(m.state === "available"));
    $("state-away").setAttribute("aria-pressed", String(m.state === "away"));
  }

  function drawState() {
    var m = seatState || {};
    var el = $("seat-state");
    el.setAttribute("data-state", m.state || "");
    var p = L.pair(L.seatState, m.state);
    var parts = [H.el("span", { class: "state-zh", text: p[0] }), " ", H.el("span", { class: "en", lang: "en", text: m.state || "" })];
    if (m.reason) parts.push(H.el("span", { class: "state-reason", text: " · " + m.reason }));
    if (m.until) {
      var until = Number(m.until) > 1e12 ? Number(m.until) : Number(m.until) * 1000;
      var left = Math.max(0, (until - Date.now()) / 1000);
      parts.push(H.el("span", { class: "state-until", text: " · 至 until " + new Date(until).toLocaleTimeString("zh-CN", { hour12: false }) + " (" + H.mmss(left) + ")" }));
    }
    while (el.firstChild) el.removeChild(el.firstChild);
    H.append(el, parts);
  }

  function queues(list, langLabel) {
    var box = $("queues");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!Array.isArray(list) || !list.length) {
      box.appendChild(H.el("p", { class: "muted" }, [L.bi("无排队", "No queues")]));
      return;
    }
    var tbody = H.el("tbody");
    list.forEach(function (q) {
      var names = langLabel(q.skill);
      var row = H.el("tr", { "data-queue": q.queue, class: q.waiting > 0 ? "has-waiting" : null }, [
        H.el("th", { scope: "row", text: q.queue }),
        H.el("td", { text: names[1] ? names[0] + " " + names[1] : names[0] }),
        H.el("td", { class: "num", text: q.waiting }),
        H.el("td", { class: "num", text: typeof q.oldest_wait_s === "number" ? H.mmss(q.oldest_wait_s) : "" })
      ]);
      tbody.appendChild(row);
    });
    var head = H.el("tr", null, [
      H.el("th", { scope: "col" }, [L.bi("队列", "Queue")]), H.el("th", { scope: "col" }, [L.bi("技能", "Skill")]),
      H.el("th", { scope: "col" }, [L.bi("等待", "Waiting")]), H.el("th", { scope: "col" }, [L.bi("最久", "Oldest")])
    ]);
    box.appendChild(H.el("table", { class: "queue-table" }, [H.el("thead", null, head), tbody]));
  }

  function stop() {
    clearInterval(stateTimer);
    stateTimer = null;
  }

  H.Status = { state: state, queues: queues, stop: stop };
})();

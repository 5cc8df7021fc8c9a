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

  /* "话后整理 Wrap-up · 0:29"; the raw reason goes to the tooltip unless it matters to the seat. */
  function drawState() {
    var m = seatState || {};
    var el = $("seat-state");
    el.setAttribute("data-state", m.state || "");
    el.setAttribute("title", [m.state, m.reason].filter(Boolean).join(" · "));
    var p = L.pair(L.seatState, m.state);
    var parts = [H.el("span", { class: "state-zh", text: p[0] }), " ", H.el("span", { class: "en", lang: "en", text: p[1] || m.state || "" })];
    var why = m.reason && L.stateReason[m.reason];
    if (why) parts.push(H.el("span", { class: "state-reason" }, [" · ", L.bi(why[0], why[1])]));
    if (m.until && m.state === "wrap_up") {
      var until = Number(m.until) > 1e12 ? Number(m.until) : Number(m.until) * 1000;
      var left = Math.max(0, (until - Date.now()) / 1000);
      parts.push(H.el("span", { class: "state-until", text: " · " + H.mmss(left) }));
    }
    while (el.firstChild) el.removeChild(el.firstChild);
    H.append(el, parts);
  }

  /* "lang:ja" -> 日本語 Japanese; "sign:csl" -> the sign language's name */
  function skillCell(skill, langLabel) {
    var m = /^(lang|sign):(.+)$/.exec(String(skill || ""));
    var names = m ? langLabel(m[2]) : [String(skill || ""), ""];
    if (m && names[0] === m[2] && !names[1]) names = [String(skill), ""];
    return H.el("td", { title: skill }, [
      H.el("span", { class: "skill-native", lang: m ? m[2] : null, text: names[0] }),
      names[1] ? H.el("span", { class: "en", lang: "en", text: names[1] }) : null
    ]);
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
      var row = H.el("tr", { "data-queue": q.queue, class: q.waiting > 0 ? "has-waiting" : null }, [
        H.el("th", { scope: "row" }, [L.biFor(L.channel, q.queue)]),
        skillCell(q.skill, langLabel),
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

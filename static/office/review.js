/* The review team's view of a returned or dissatisfied ticket: what the caller actually said
 * (transcript, recordings), where the ticket has been (routing history), likely duplicates with
 * a merge button; actions: re-route, dispatch again from review, decide an extension request. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var O = H.Office;
  var WHO = { caller: ["来电人", "Caller"], seat: ["坐席", "Agent"], interpreter: ["口译员", "Interpreter"], system: ["系统", "System"] };

  /* ---------- transcript and recordings ---------- */
  function transcriptSection(t) {
    var log = H.el("div", { id: "ticket-transcript", class: "log of-transcript", "data-loaded": "false" });
    var recs = H.el("div", { id: "ticket-recordings", class: "of-recordings" });
    var sec = H.el("details", { class: "of-more", open: true }, [H.el("summary", null, L.bi("对话记录与录像", "Transcript and recordings")), log, recs]);
    O.api("/api/v1/tickets/" + encodeURIComponent(t.id) + "/transcript").then(function (body) {
      var msgs = Array.isArray(body) ? body : (body && body.messages) || [];
      var view = new H.Transcript(log, {
        ownFrom: "none", timeLocale: "zh-CN", hour12: false,
        labelFor: function (f) { return L.text(WHO, f); },
        extraText: function (m) { return m.translation && m.translation.text ? "译文 · " + m.translation.text : null; }
      });
      view.load(msgs);
      if (!msgs.length) log.appendChild(H.el("p", { class: "muted" }, L.bi("无对话记录（非会话工单）", "No transcript (not from a conversation)")));
      log.setAttribute("data-loaded", "true");
      var url = body && typeof body.recordings === "string" ? body.recordings
        : t.session_id ? "/api/v1/sessions/" + encodeURIComponent(t.session_id) + "/recordings" : null;
      if (url) recordings(url, recs);
    }, function (err) {
      log.appendChild(H.el("p", { class: "muted", text: err.code + ": " + err.message }));
    });
    return sec;
  }

  /* The recordings need the token, so a click fetches one and plays it from a blob URL. */
  function recordings(url, box) {
    O.api(url).then(function (list) {
      list = Array.isArray(list) ? list : [];
      if (!list.length) { box.appendChild(H.el("p", { class: "muted" }, L.bi("无录像", "No recordings"))); return; }
      var video = H.el("video", { class: "of-video", controls: true, hidden: true });
      var ul = H.el("ul", { class: "rec-list" }, list.map(function (r) {
        var b = H.el("button", { type: "button", class: "btn rec-play", "data-url": r.url }, [L.bi("播放", "Play"), " " + r.name + " (" + Math.round((r.bytes || 0) / 1024) + " KB)"]);
        b.addEventListener("click", function () {
          fetch(r.url, { headers: { Authorization: "Bearer " + O.token }, cache: "no-store" }).then(function (res) {
            if (!res.ok) throw { code: "http_" + res.status, message: "HTTP " + res.status };
            return res.blob();
          }).then(function (blob) {
            if (video.src) URL.revokeObjectURL(video.src);
            video.src = URL.createObjectURL(blob);
            video.hidden = false;
            video.play().catch(function () {});
          }).catch(O.showError);
        });
        return H.el("li", null, b);
      }));
      H.append(box, [O.h("h5", "录像", "Recordings"), ul, video]);
    }, function (err) {
      /* video switched off on this gateway (404) or none kept: nothing to show */
      if (err.status !== 404) box.appendChild(H.el("p", { class: "muted", text: err.code + ": " + err.message }));
    });
  }

  /* ---------- routing history ---------- */
  function routing(t) {
    var moves = (t.history || []).filter(function (h) { return h.field === "department" || h.field === "status"; });
    return H.el("section", { class: "of-routing" }, [O.h("h4", "流转记录", "Routing history"), O.history(moves, "ticket-routing")]);
  }

  /* ---------- duplicates ---------- */
  function duplicates(t) {
    var ul = H.el("ul", { id: "ticket-duplicates", class: "dup-list", "data-loaded": "false" });
    var why = H.el("input", { id: "merge-reason", type: "text", maxlength: 1000, value: "重复诉求 Duplicate request" });
    var sec = H.el("section", { class: "of-duplicates" }, [O.h("h4", "疑似重复", "Possible duplicates"), ul]);
    O.api("/api/v1/tickets/" + encodeURIComponent(t.id) + "/duplicates").then(function (body) {
      var list = Array.isArray(body) ? body : (body && (body.duplicates || body.items)) || [];
      ul.setAttribute("data-loaded", "true");
      if (!list.length) { ul.appendChild(H.el("li", { class: "muted" }, L.bi("未发现", "None found"))); return; }
      var canMerge = !O.readOnly() && O.can(t, "merge", ["accepted", "dispatched", "returned", "replied", "callback", "review"]);
      if (canMerge) sec.insertBefore(O.labelled("merge-reason", "合并理由", "Reason for merging", why), ul);
      list.forEach(function (d) {
        var other = d.ticket || d;
        var score = typeof d.score === "number" ? " · " + Math.round(d.score * 100) + "%" : "";
        var li = H.el("li", { "data-ticket-id": other.id }, [
          H.el("strong", { text: other.number || other.id }), " ", other.status ? L.biFor(L.ticketStatus, other.status) : null, score, " · ",
          H.el("span", { lang: "zh", text: (other.text_zh || other.text_original || "").slice(0, 100) }),
          d.reasons ? H.el("span", { class: "hint", text: " (" + [].concat(d.reasons).join(", ") + ")" }) : null]);
        if (canMerge) {
          var b = H.el("button", { type: "button", class: "btn merge-btn", "data-into": other.id }, L.bi("并入此件", "Merge into this one"));
          b.addEventListener("click", function () {
            b.disabled = true;
            O.act("merge", { into: other.id, reason: why.value }, "已合并", "Merged").catch(function () { b.disabled = false; });
          });
          li.appendChild(b);
        }
        ul.appendChild(li);
      });
    }, function (err) {
      ul.appendChild(H.el("li", { class: "muted", text: err.code + ": " + err.message }));
    });
    return sec;
  }

  /* ---------- actions ---------- */
  function rerouteForm(t) {
    var returnedBy = (t.history || []).filter(function (h) { return h.action === "return" && h.field === "status"; }).pop();
    var dept = O.departmentSelect("reroute-department", null);
    var why = H.el("input", { id: "reroute-reason", type: "text", maxlength: 1000, required: true });
    var force = H.el("input", { id: "reroute-force", type: "checkbox" });
    return O.form("reroute-form", ["改派", "Re-route"], [
      returnedBy && returnedBy.reason ? H.el("p", { class: "info-box" }, [L.bi("退单原因", "Returned because"), ": ", H.el("q", { text: returnedBy.reason })]) : null,
      O.labelled("reroute-department", "改派到", "Send to", dept),
      O.labelled("reroute-reason", "改派理由", "Reason", why),
      H.el("label", { class: "of-check" }, [force, " ", L.bi("仍派给刚退回的部门", "Send back to the department that returned it")]),
      O.button("reroute-submit", "改派", "Re-route", "btn-primary")
    ], function () {
      var body = { department: dept.value, reason: why.value };
      if (force.checked) body.force = true;
      return O.act("reroute", body, "已改派", "Re-routed");
    });
  }

  function dispatchForm(t) {
    var dept = O.departmentSelect("dispatch-department", t.department || t.suggested_department);
    var complex = H.el("input", { id: "dispatch-complex", type: "checkbox" });
    return O.form("dispatch-form", ["重新派单", "Dispatch again"], [
      O.labelled("dispatch-department", "承办部门", "Department", dept),
      H.el("label", { class: "of-check" }, [complex, " ", L.bi("复杂件（15 个工作日）", "Complex (15 working days)")]),
      O.button("dispatch-submit", "派单", "Dispatch", "btn-primary")
    ], function () {
      return O.act("dispatch", { department: dept.value, complex: complex.checked }, "已派单", "Dispatched");
    });
  }

  function extensionForm(t) {
    var why = H.el("input", { id: "extension-reason", type: "text", maxlength: 1000 });
    var approve = true;
    var yes = O.button("extension-approve", "批准延期", "Approve", "btn-primary");
    var no = O.button("extension-reject", "驳回", "Reject", "btn-danger");
    yes.addEventListener("click", function () { approve = true; });
    no.addEventListener("click", function () { approve = false; });
    return O.form("extension-form", ["延期审批", "Decide the extension request"], [
      O.labelled("extension-reason", "意见（可选）", "Reason (optional)", why), H.el("div", { class: "of-buttons" }, [yes, no])
    ], function () {
      var body = { approve: approve };
      if (why.value.trim()) body.reason = why.value.trim();
      return approve ? O.act("extension", body, "已批准延期", "Extension approved") : O.act("extension", body, "已驳回延期", "Extension rejected");
    });
  }

  function reviewActions(t, box) {
    if (t.status === "returned" && O.can(t, "reroute", ["returned"])) box.appendChild(rerouteForm(t));
    if (t.status === "review" && O.can(t, "dispatch", ["review"])) box.appendChild(dispatchForm(t));
    if (t.extension_request && O.can(t, "extension", ["dispatched"])) box.appendChild(extensionForm(t));
  }

  function reviewSections(t, body) {
    body.appendChild(routing(t));
    body.appendChild(transcriptSection(t));
    body.appendChild(duplicates(t));
  }

  O.views.review = { sections: reviewSections, actions: reviewActions };
  /* the read-only list shows the same, without actions */
  O.views.all = { sections: reviewSections, actions: reviewActions };
  O.views.extensions = { sections: function (t, body) { body.appendChild(routing(t)); }, actions: reviewActions };
})();

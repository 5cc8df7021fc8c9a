/* The department's actions on a dispatched ticket: sign (签收), reply (答复), ask for more time
 * (延期), return as not theirs (退单) with a reason from GET /api/v1/return-reasons. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var O = H.Office;
  var reasons = null;          /* [{code, zh, en}], loaded once */

  /* GET /api/v1/return-reasons: a list, or {reasons: [...]}; a code may come as a bare string. */
  function loadReasons() {
    if (reasons) return Promise.resolve(reasons);
    return O.api("/api/v1/return-reasons").then(function (body) {
      var list = Array.isArray(body) ? body : (body && (body.reasons || body.items)) || [];
      reasons = list.map(function (r) { return typeof r === "string" ? { code: r, zh: r, en: "" } : r; });
      if (!reasons.some(function (r) { return r.code === "other"; })) reasons.push({ code: "other", zh: "其他（请说明）", en: "Other (explain)" });
      return reasons;
    }, function (err) { O.showError(err); return []; });
  }

  function reasonSelect() {
    var sel = H.el("select", { id: "return-reason", required: true }, [H.el("option", { value: "", text: "— 请选择 Choose —" })]);
    loadReasons().then(function (list) {
      list.forEach(function (r) {
        sel.appendChild(H.el("option", { value: r.code, text: (r.zh || r.code) + (r.en ? " · " + r.en : "") }));
      });
    });
    return sel;
  }

  function signForm(t) {
    return O.form("sign-form", null, [
      H.el("p", { class: "hint" }, L.bi("签收表示本部门已收到并开始办理。", "Signing says your department has received the ticket and is working on it.")),
      O.button("sign-submit", "签收", "Sign for it", "btn-primary")
    ], function () { return O.act("sign", {}, "已签收", "Signed"); });
  }

  function replyForm() {
    var text = H.el("textarea", { id: "reply-text", rows: 5, maxlength: 4000, required: true, lang: "zh" });
    return O.form("reply-form", ["答复", "Reply"], [
      O.labelled("reply-text", "办理结果（中文，最多 4000 字）", "What was done (Chinese, up to 4000 characters)", text),
      O.button("reply-submit", "提交答复", "Send reply", "btn-primary")
    ], function () {
      return O.act("reply", { text: text.value }, "答复已提交", "Reply sent").then(function () { text.value = ""; });
    });
  }

  function extendForm(t) {
    if (t.extension_request) {
      return H.el("p", { id: "extend-pending", class: "info-box" }, L.bi("延期申请待审批，不能再次申请。", "An extension request is pending; you cannot ask again until it is decided."));
    }
    var days = H.el("input", { id: "extend-days", type: "number", min: 1, max: 30, step: 1, value: 5, required: true, inputmode: "numeric" });
    var why = H.el("input", { id: "extend-reason", type: "text", maxlength: 1000, required: true });
    return O.form("extend-form", ["申请延期", "Ask for more time"], [
      O.labelled("extend-days", "延长工作日（1–30）", "Working days (1–30)", days),
      O.labelled("extend-reason", "理由", "Reason", why),
      O.button("extend-submit", "提交申请", "Ask")
    ], function () {
      return O.act("extend", { working_days: parseInt(days.value, 10), reason: why.value }, "延期申请已提交", "Extension requested");
    });
  }

  function returnForm() {
    var sel = reasonSelect();
    var note = H.el("input", { id: "return-note", type: "text", maxlength: 1000 });
    var noteBox = O.labelled("return-note", "说明（选“其他”时必填）", "Note (required for “other”)", note);
    return O.form("return-form", ["退单", "Return: not ours"], [
      O.labelled("return-reason", "退单原因", "Reason", sel), noteBox,
      O.button("return-submit", "退回", "Return ticket", "btn-danger")
    ], function () {
      var body = { reason: sel.value };
      if (note.value.trim()) body.note = note.value.trim();
      return O.act("return", body, "已退回，等待复核改派", "Returned; the review team will re-route it");
    });
  }

  O.views.department = {
    actions: function (t, box) {
      if (t.status !== "dispatched") return;
      if (!t.signed_at && O.can(t, "sign", ["dispatched"])) box.appendChild(signForm(t));
      if (O.can(t, "reply", ["dispatched"])) box.appendChild(replyForm());
      if (O.can(t, "extend", ["dispatched"]) || t.extension_request) box.appendChild(extendForm(t));
      if (O.can(t, "return", ["dispatched"])) box.appendChild(returnForm());
    }
  };
})();

/* Back-office wording (/office, /supervisor): Chinese first, English in smaller type.
 * Extends H.L from /static/console/labels.js (ticket states, field and action names) with what
 * only the back office says.  No markup: the pages build nodes with Hotline.el. */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var L = H.L;

  L.office = {
    role: {
      agent: ["坐席", "Agent"],
      department: ["承办部门", "Department"],
      reviewer: ["复核", "Reviewer"],
      callback: ["回访", "Callback"],
      supervisor: ["值班长", "Supervisor"],
      admin: ["管理员", "Admin"],
      seat: ["坐席", "Agent"],
      system: ["系统", "System"]
    },
    view: {
      department: ["本部门待办", "Department work queue"],
      review: ["复核队列", "Review queue"],
      callback: ["回访队列", "Callback queue"],
      extensions: ["延期申请待审批", "Extension requests to decide"],
      all: ["全部在办工单（只读）", "All open tickets (read-only)"]
    },
    deadline: {
      ok: ["正常", "On time"],
      due_soon: ["即将到期", "Due soon"],
      overdue: ["已超期", "Overdue"],
      none: ["无期限", "No deadline"]
    },
    /* actions the seat console does not know */
    action: {
      extend: ["申请延期", "asked for more time"],
      extension: ["延期审批", "extension decided"],
      extension_request: ["申请延期", "extension requested"],
      callback: ["回访", "callback recorded"],
      review: ["转复核", "sent to review"],
      merged_from: ["合并自", "merged from"],
      merged_into: ["合并到", "merged into"]
    },
    field: {
      extension_request: ["延期申请", "Extension request"],
      replies: ["答复", "Replies"],
      survey: ["回访结果", "Survey"],
      signed_at: ["签收时间", "Signed"],
      return_count: ["退回次数", "Times returned"],
      flags: ["标记", "Flags"],
      merged_into: ["合并到", "Merged into"],
      merged_from: ["合并自", "Merged from"],
      satisfaction: ["满意度", "Satisfaction"]
    },
    satisfaction: {
      1: ["很不满意", "Very dissatisfied"],
      2: ["不满意", "Dissatisfied"],
      3: ["基本满意", "Fairly satisfied"],
      4: ["满意", "Satisfied"],
      5: ["很满意", "Very satisfied"]
    },
    channel: {
      phone: ["电话", "Phone"],
      miniapp: ["小程序", "Mini program"],
      chat: ["文字", "Chat"]
    },
    /* an action the person pressed, for "your X was not carried out" */
    doing: {
      sign: ["签收", "Sign"],
      reply: ["答复", "Reply"],
      extend: ["申请延期", "Ask for more time"],
      extension: ["延期审批", "Decide the extension"],
      "return": ["退单", "Return"],
      reroute: ["改派", "Re-route"],
      dispatch: ["派单", "Dispatch"],
      callback: ["记录回访", "Record callback"],
      review: ["转复核", "Send to review"],
      close: ["办结", "Close"],
      merge: ["合并", "Merge"]
    },
    extension: {
      pending: ["待审批", "pending"],
      approved: ["已批准", "approved"],
      rejected: ["已驳回", "rejected"]
    }
  };

  /* The Chinese + English name of an action, whichever table knows it. */
  L.actionText = function (name) {
    var p = L.office.action[name] || (L.action && L.action[name]);
    return p ? p[0] + " " + p[1] : String(name || "");
  };

  L.fieldPair = function (name) {
    return L.office.field[name] || (L.field && L.field[name]) || [String(name || ""), ""];
  };
})();

/* The back office's shared parts (docs/BACKOFFICE.md): the token, API calls with the visible error
 * box, the catalog, and the ticket view every role sees — number, status, deadline, texts,
 * replies, extension request and the audit trail.  Role modules (department.js, review.js,
 * callback.js) add their sections and actions through Hotline.Office.views.  No innerHTML. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  var O = (H.Office = {
    token: null,
    user: null,               /* {id, name, role, department} */
    catalog: { departments: [], categories: [], districts: [] },
    views: {},                /* name -> {title, queue, sections(t, box), actions(t, box)} */
    current: null,            /* the ticket shown */
    onAuthLost: null,         /* set by office.js */
    onChanged: null           /* a ticket changed: refresh the queue (office.js) */
  });

  /* ---------- errors and notes ---------- */
  O.showError = function (err) {
    var box = $("office-error-text");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!err) { H.show("office-error", false); return; }
    box.appendChild(L.bi("出错了", "Error"));
    box.appendChild(H.el("code", { class: "err-code", text: " " + (err.code || "error") + (err.status ? " (" + err.status + ")" : "") + ": " }));
    box.appendChild(H.el("span", { lang: "en", class: "err-message", text: err.message || String(err) }));
    H.show("office-error", true);
    $("office-error").setAttribute("data-code", err.code || "error");
  };

  O.note = function (zh, en) {
    var p = $("office-note");
    while (p.firstChild) p.removeChild(p.firstChild);
    if (zh) p.appendChild(L.bi(zh, en));
  };

  /* H.api with the bearer token; a 401 means the login is gone. */
  O.api = function (path, opts) {
    opts = opts || {};
    opts.token = O.token;
    return H.api(path, opts).catch(function (err) {
      if (err.status === 401 && O.onAuthLost) O.onAuthLost();
      throw err;
    });
  };

  /* A change conditional on the version of the ticket the page shows: If-Match: "7".  Rejects
   * with H.ApiError; a 412 (someone else changed it) also carries `current`, the ticket now. */
  O.send = function (path, method, body, version) {
    return O.api(path, { method: method, body: body || {}, version: version });
  };

  /* ---------- catalog ---------- */
  O.loadCatalog = function () {
    return H.api("/api/v1/catalog").then(function (c) { O.catalog = c || O.catalog; }, O.showError);
  };

  function named(list, code) {
    var hit = (list || []).filter(function (d) { return d.code === code; })[0];
    return hit ? hit.zh + (hit.en ? " " + hit.en : "") : code;
  }
  O.deptName = function (code) { return code ? named(O.catalog.departments, code) : "—"; };
  O.categoryName = function (code) { return code ? named(O.catalog.categories, code) : "—"; };
  O.districtName = function (code) { return code ? named(O.catalog.districts, code) : "—"; };

  /* ---------- small builders ---------- */
  O.h = function (tag, zh, en, attrs) { return H.el(tag, attrs || null, L.bi(zh, en)); };

  O.button = function (id, zh, en, cls) {
    return H.el("button", { id: id, type: "submit", class: "btn " + (cls || "") }, L.bi(zh, en));
  };

  O.labelled = function (id, zh, en, input) {
    return H.el("div", { class: "of-field" }, [H.el("label", { for: id }, L.bi(zh, en)), input]);
  };

  O.departmentSelect = function (id, selected) {
    var sel = H.el("select", { id: id, required: true }, [H.el("option", { value: "", text: "— 请选择 Choose —" })]);
    (O.catalog.departments || []).forEach(function (d) {
      sel.appendChild(H.el("option", { value: d.code, selected: d.code === selected, text: d.zh + " · " + d.en + " (" + d.code + ")" }));
    });
    return sel;
  };

  /* A form whose submit calls fn(ev) (default prevented; the button is disabled while it runs). */
  O.form = function (id, title, children, fn) {
    var f = H.el("form", { id: id, class: "of-action", autocomplete: "off" }, [title ? O.h("h4", title[0], title[1]) : null].concat(children));
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btns = f.querySelectorAll("button");
      Array.prototype.forEach.call(btns, function (b) { b.disabled = true; });
      Promise.resolve(fn(ev)).then(null, function () { /* shown already */ }).then(function () {
        Array.prototype.forEach.call(btns, function (b) { b.disabled = false; });
      });
    });
    return f;
  };

  /* ---------- actions ---------- */
  /* POST an action with If-Match: the version shown.  Success: the answer is the ticket as the
   * server now has it; the view is re-rendered from it and the queue refreshed.  412 (someone else
   * changed the ticket meanwhile; nothing was done): the view shows the ticket as it is now, the
   * notice says what changed, and what was typed in the forms is kept.  Other failures
   * (403/409/422 …): the error box says why and the view — including what was typed — stays. */
  O.act = function (action, body, okZh, okEn) {
    var t = O.current;
    if (!t) return Promise.resolve(null);
    O.showError(null);
    O.note(null);
    return O.send("/api/v1/tickets/" + encodeURIComponent(t.id) + "/" + action, "POST", body || {}, t.version)
      .then(function (res) {
        var updated = res && res.id ? res : (res && res.merged) || null;
        if (updated) O.show(updated);
        O.note(okZh, okEn);
        if (O.onChanged) O.onChanged();
        return res;
      }, function (err) {
        if (err.status !== 412) { O.showError(err); throw err; }
        var now = err.current ? Promise.resolve(err.current) : O.api("/api/v1/tickets/" + encodeURIComponent(t.id));
        return now.then(function (cur) {
          if (O.current && O.current.id === t.id && cur && cur.id === t.id) conflict(t, cur, action);
          else O.showError(err);
          throw err;
        }, function (e2) { O.showError(err); throw e2; });
      });
  };

  /* ---------- someone else changed the ticket (412) ---------- */
  var COMPARED = ["status", "department", "category", "district", "address", "text_zh", "deadline", "signed_at",
                  "extension_request", "replies", "survey", "return_count", "flags", "merged_into"];

  function same(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  function conflictValue(v, f) {
    if (f === "replies") {
      var list = Array.isArray(v) ? v : [];
      if (!list.length) return "∅";
      var last = list[list.length - 1];
      return list.length + " · " + (typeof last === "string" ? last : (last && last.text) || "");
    }
    return O.valueText(v, f);
  }

  /* What the person typed or chose in the action forms, by element id. */
  function typed() {
    var out = [];
    Array.prototype.forEach.call(document.querySelectorAll("#ticket-actions input[id], #ticket-actions textarea[id], #ticket-actions select[id]"), function (el) {
      var label = document.querySelector('label[for="' + el.id + '"]');
      out.push({ id: el.id, tag: el.tagName, type: el.type, value: el.value, checked: el.checked,
                 changed: el.tagName === "SELECT" ? !!el.value : (el.type === "checkbox" || el.type === "radio") ? el.checked : el.value !== el.defaultValue,
                 label: label ? label.textContent.replace(/\s+/g, " ").trim() : el.id });
    });
    return out;
  }

  /* Put it back into the re-rendered forms; returns the typed texts with no field to go back to. */
  function restore(list) {
    var lost = [];
    list.forEach(function (s) {
      var el = $(s.id);
      if (!el || el.tagName !== s.tag) {
        if (s.changed && (s.tag === "TEXTAREA" || s.type === "text") && s.value.trim()) lost.push(s);
        return;
      }
      if (s.type === "checkbox" || s.type === "radio") { el.checked = s.checked; return; }
      el.value = s.value;
      /* a select whose options are still loading (return reasons): once they are in */
      if (s.tag === "SELECT" && el.value !== s.value) setTimeout(function () { if (!el.value) el.value = s.value; }, 0);
    });
    return lost;
  }

  /* Show the ticket as it is now, keep what was typed, and say what changed since `before`. */
  function conflict(before, current, action) {
    var kept = typed();
    O.show(current);
    var lost = restore(kept);
    var box = $("ticket-conflict");
    while (box.firstChild) box.removeChild(box.firstChild);
    var did = L.office.doing[action] || [action, action];
    var fields = COMPARED.filter(function (f) { return !same(before[f], current[f]); });
    var seen = Array.isArray(before.history) ? before.history.length : 0;
    var added = Array.isArray(current.history) ? current.history.slice(seen) : [];
    box.setAttribute("data-version", String(current.version));
    box.setAttribute("data-fields", fields.join(" "));
    box.appendChild(H.el("p", { id: "ticket-conflict-h", class: "conflict-title" }, [
      H.el("strong", { text: "此工单已被他人修改，您的操作「" + did[0] + "」未执行，未保存任何内容。" }), " ",
      H.el("span", { class: "en", lang: "en", text: "Someone else changed this ticket while you had it open. Your action (" + did[1] + ") was not carried out; nothing was saved." })]));
    box.appendChild(O.h("h4", "变更内容", "What changed"));
    var ul = H.el("ul", { id: "ticket-conflict-changes", class: "conflict-list" });
    fields.forEach(function (f) {
      var h = added.filter(function (x) { return x && x.field === f; }).pop();
      var p = L.fieldPair(f);
      ul.appendChild(H.el("li", { "data-field": f }, [
        H.el("span", { class: "cf-field", text: p[0] + (p[1] ? " " + p[1] : "") + ": " }),
        H.el("del", { text: conflictValue(before[f], f) }), " → ", H.el("ins", { text: conflictValue(current[f], f) }),
        h ? H.el("span", { class: "cf-who", text: " (" + [actorText(h.actor), L.time(h.at)].filter(Boolean).join(" · ") + ")" }) : null]));
    });
    box.appendChild(ul);
    if (!fields.length) {
      if (added.length) box.appendChild(O.history(added, "ticket-conflict-history"));
      else ul.appendChild(H.el("li", { class: "muted" }, L.bi("见下方处理记录", "See the audit trail below")));
    }
    if (lost.length) {
      box.appendChild(H.el("p", null, L.bi("您填写的以下内容在此状态下已无处可填，请自行保留：", "What you typed has no form in this state any more; copy it if you still need it:")));
      box.appendChild(H.el("ul", { id: "ticket-conflict-kept", class: "conflict-list" }, lost.map(function (s) {
        return H.el("li", null, [H.el("span", { class: "cf-field", text: s.label + ": " }), H.el("q", { dir: "auto", text: s.value })]);
      })));
    }
    box.appendChild(H.el("p", { class: "hint" }, L.bi("下面显示的是工单的最新内容，您填写的内容已保留。请核对，如仍需办理请再次提交。",
      "Below is the ticket as it is now, with what you typed kept: look at the changes and press the button again if it still applies.")));
    var ok = H.el("button", { id: "ticket-conflict-close", type: "button", class: "btn" }, L.bi("知道了", "Got it"));
    ok.addEventListener("click", function () {
      H.show(box, false);
      var first = document.querySelector("#ticket-actions input, #ticket-actions textarea, #ticket-actions select, #ticket-actions button");
      if (first) first.focus();
    });
    box.appendChild(ok);
    H.show(box, true);
    ok.focus();
    if (O.onChanged) O.onChanged();
  }

  /* ---------- the ticket view ---------- */
  O.deadlineBadge = function (info, small) {
    var state = info && info.state ? info.state : "none";
    var span = H.el("span", { class: "deadline-badge" + (small ? " small" : ""), "data-state": state }, L.biFor(L.office.deadline, state));
    if (info && typeof info.working_days_left === "number") {
      var n = info.working_days_left;
      span.appendChild(H.el("span", { class: "days-left", "data-days": n,
        text: n >= 0 ? " · 剩余 " + n + " 个工作日 (" + n + " working days left)" : " · 超期 " + (-n) + " 个工作日 (" + (-n) + " working days over)" }));
    }
    return span;
  };

  function actorText(actor) {
    var parts = String(actor || "").split(":");
    var role = parts[0], id = parts[parts.length - 1];
    if (O.user && id === O.user.id && parts.length > 1) return "我 Me";
    if (role === "system" || parts.length === 1) return L.text(L.office.role, role);
    var who = L.text(L.office.role, role);
    if (role === "department" && parts.length === 3) who += " " + parts[1];
    return who + " " + id.slice(0, 8);
  }

  O.valueText = function (v, field) {
    if (v === null || v === undefined || v === "") return "∅";
    if (field === "status") return L.text(L.ticketStatus, v);
    if (field === "department") return O.deptName(v) + " (" + v + ")";
    if (field === "category") return O.categoryName(v);
    if (field === "district") return O.districtName(v);
    if (field === "deadline" && typeof v === "number") return L.time(v);
    if (field === "satisfaction" && L.office.satisfaction[v]) return v + " " + L.text(L.office.satisfaction, v);
    if ((field === "deadline" || field === "signed_at") && typeof v === "number") return L.time(v);
    if (field === "replies" && v.text) return v.text;                       /* the reply added */
    if (field === "extension_request" && v.working_days) return "+" + v.working_days + " 个工作日 working days" + (v.reason ? " · " + v.reason : "");
    if (field === "survey" && typeof v.satisfaction === "number") return (v.resolved ? "已解决 resolved" : "未解决 not resolved") + " · " + v.satisfaction + "/5";
    if (Array.isArray(v)) return v.length ? v.join(", ") : "∅";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  };

  /* who, when, what, why, old → new */
  O.history = function (list, id) {
    var ol = H.el("ol", { id: id || null, class: "audit" });
    (list || []).forEach(function (h) {
      var li = H.el("li", { "data-action": h.action || "", "data-field": h.field || "" }, [
        H.el("time", { class: "audit-when", text: L.time(h.at) }), " · ",
        H.el("span", { class: "audit-who", text: actorText(h.actor) }), " · ",
        H.el("span", { class: "audit-what", text: L.actionText(h.action) })]);
      if (h.field) {
        var f = L.fieldPair(h.field);
        li.appendChild(H.el("span", { class: "audit-field", text: " · " + f[0] + (f[1] ? " " + f[1] : "") + ": " }));
        li.appendChild(H.el("del", { text: O.valueText(h.old, h.field) }));
        li.appendChild(document.createTextNode(" → "));
        li.appendChild(H.el("ins", { text: O.valueText(h.new, h.field) }));
      }
      if (h.reason) li.appendChild(H.el("span", { class: "audit-why" }, [" · ", L.bi("原因", "Why"), ": ", H.el("q", { dir: "auto", text: h.reason })]));
      ol.appendChild(li);
    });
    if (!list || !list.length) ol.appendChild(H.el("li", { class: "muted" }, L.bi("暂无", "None")));
    return ol;
  };

  function fact(zh, en, value, attrs) {
    return H.el("div", attrs || null, [H.el("dt", null, L.bi(zh, en)), H.el("dd", null, value)]);
  }

  function facts(t) {
    var lang = t.lang ? t.lang : "—";
    return H.el("dl", { class: "of-facts" }, [
      fact("类别", "Category", O.categoryName(t.category)),
      fact("承办部门", "Department", O.deptName(t.department), { "data-field": "department" }),
      fact("区", "District", O.districtName(t.district)),
      fact("地址", "Address", t.address || "—"),
      fact("语言", "Language", lang),
      fact("渠道", "Channel", L.text(L.channel || {}, t.channel)),
      fact("期限", "Deadline", [O.deadlineBadge(t.deadline_info), H.el("br"),
        H.el("span", { class: "due", text: t.deadline_info && t.deadline_info.due ? L.time(t.deadline_info.due) : (t.deadline ? L.time(t.deadline) : "—") }),
        t.deadline_info && t.deadline_info.estimated ? H.el("span", { class: "hint" }, [" ", L.bi("（估算）", "(estimated)")]) : null],
        { id: "ticket-deadline", "data-state": (t.deadline_info && t.deadline_info.state) || "none" }),
      fact("签收", "Signed", t.signed_at ? L.time(t.signed_at) : L.bi("未签收", "not yet"), { id: "ticket-signed" }),
      fact("退回次数", "Times returned", String(t.return_count || 0), { id: "ticket-returns", "data-count": t.return_count || 0 })
    ]);
  }

  O.repeatedly = function (t) {
    return (t.flags || []).indexOf("returned_repeatedly") >= 0 || (t.return_count || 0) >= 2;
  };

  function texts(t) {
    return H.el("div", { class: "of-texts" }, [
      H.el("section", { class: "of-text" }, [O.h("h4", "原文", "Original text"),
        H.el("p", { id: "ticket-original", class: "readonly", dir: "auto", lang: t.lang || null, text: t.text_original || "" })]),
      H.el("section", { class: "of-text" }, [O.h("h4", "诉求内容（中文）", "Request (Chinese)"),
        H.el("p", { id: "ticket-zh", class: "readonly", lang: "zh", text: t.text_zh || "—" })])
    ]);
  }

  function replies(t) {
    var list = t.replies || [];
    if (!list.length) return null;
    return H.el("section", { class: "of-replies" }, [O.h("h4", "部门答复", "Department's reply"),
      H.el("ol", { id: "ticket-replies" }, list.map(function (r) {
        if (typeof r === "string") r = { text: r };
        return H.el("li", null, [H.el("p", { class: "reply-text", lang: "zh", text: r.text || "" }),
          H.el("p", { class: "hint", text: [L.time(r.at), r.by || r.actor ? actorText(r.by || r.actor) : ""].filter(Boolean).join(" · ") })]);
      }))]);
  }

  function extension(t) {
    var x = t.extension_request;
    if (!x) return null;
    var state = x.state || x.status || "pending";
    return H.el("section", { id: "ticket-extension", class: "of-extension", "data-state": state }, [
      O.h("h4", "延期申请", "Extension request"),
      H.el("p", null, [L.biFor(L.office.extension, state), " · ",
        H.el("strong", { text: String(x.working_days) }), " ", L.bi("个工作日", "working days"),
        x.reason ? H.el("span", null, [" · ", H.el("q", { text: x.reason })]) : null,
        x.decision_reason ? H.el("span", null, [" · ", H.el("q", { text: x.decision_reason })]) : null])]);
  }

  function survey(t) {
    var s = t.survey;
    if (!s) return null;
    return H.el("section", { id: "ticket-survey", class: "of-survey-result" }, [O.h("h4", "回访结果", "Callback result"),
      H.el("p", null, [s.resolved ? L.bi("已解决", "Resolved") : L.bi("未解决", "Not resolved"), " · ",
        L.bi("满意度", "Satisfaction"), " " + (s.satisfaction || "—") + " ",
        s.satisfaction ? L.biFor(L.office.satisfaction, s.satisfaction) : null,
        s.note ? H.el("span", null, [" · ", H.el("q", { text: s.note })]) : null])]);
  }

  /* Render ticket t with the role view's sections and actions. */
  O.show = function (t) {
    O.current = t;
    H.show("ticket-conflict", false);
    var view = O.views[O.viewName] || {};
    var box = $("ticket-view");
    box.setAttribute("data-ticket-id", t.id);
    box.setAttribute("data-status", t.status);
    var body = $("ticket-body");
    while (body.firstChild) body.removeChild(body.firstChild);
    H.setText("ticket-number", t.number || t.id);
    var st = $("ticket-status");
    st.setAttribute("data-status", t.status);
    while (st.firstChild) st.removeChild(st.firstChild);
    st.appendChild(L.biFor(L.ticketStatus, t.status));
    var marks = $("ticket-marks");
    while (marks.firstChild) marks.removeChild(marks.firstChild);
    if (O.repeatedly(t)) marks.appendChild(H.el("span", { class: "mark mark-repeat", "data-flag": "returned_repeatedly" }, L.bi("多次退回", "Returned repeatedly")));
    (t.flags || []).filter(function (f) { return f !== "returned_repeatedly"; }).forEach(function (f) {
      marks.appendChild(H.el("span", { class: "mark", "data-flag": f, text: f }));
    });
    H.append(body, [facts(t), texts(t), replies(t), extension(t), survey(t)]);
    if (view.sections) view.sections(t, body);
    var actions = H.el("section", { id: "ticket-actions", class: "of-actions", "aria-label": "办理 Actions" });
    if (view.actions && !O.readOnly()) view.actions(t, actions);
    if (!actions.firstChild) actions.appendChild(H.el("p", { class: "muted" }, L.bi("此状态下无可办理操作", "No action for you in this state")));
    body.appendChild(actions);
    body.appendChild(H.el("section", { class: "of-audit" }, [O.h("h4", "处理记录", "Audit trail"), O.history(t.history, "ticket-audit")]));
    H.show("ticket-view", true);
    H.show("ticket-empty", false);
  };

  O.readOnly = function () { return !O.user || O.user.role === "agent" || O.viewName === "all"; };

  /* Whether the server lets this role do `name` to t (falls back to the status when it says nothing). */
  O.can = function (t, name, statuses) {
    if (Array.isArray(t.allowed_actions)) return t.allowed_actions.indexOf(name) >= 0;
    return statuses.indexOf(t.status) >= 0;
  };

  O.clearTicket = function () {
    O.current = null;
    H.show("ticket-conflict", false);
    H.show("ticket-view", false);
    H.show("ticket-empty", true);
  };
})();

/* Ticket editor: opened when a session ends with a draft ticket.
 *   Hotline.Ticket.init({token: fn, onAuthError: fn(err), transcriptFor: fn(sessionId) -> [msg] | null,
 *                        langLabel: fn(code) -> [native, english], seatId: fn() -> id})
 *   Hotline.Ticket.loadCatalog(); Hotline.Ticket.open({id, number, status}); Hotline.Ticket.close()
 * Save sends PATCH with only the fields the agent changed; Submit saves, then POSTs /submit.
 * Either fires "ticketchange" on #ticket with the ticket as saved (the self-service inbox listens).
 * Every change carries If-Match: "<version>" (the version the editor shows).  On a 412 someone else
 * changed the ticket: nothing was saved, #ticket-conflict says so and lists what they changed and
 * the agent's own unsaved edits; "Reapply my changes" loads the ticket as it is now and puts those
 * edits back on top (unsaved, conflicting fields marked), "Discard mine" just shows it as it is now.
 * Photos (self-service reports) are shown from /api/v1/miniapp/media/{id}.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var $ = H.$;

  var SELECTS = { category: "categories", department: "departments", district: "districts" };
  var FIELDS = {
    category: "ticket-category",
    department: "ticket-department",
    district: "ticket-district",
    address: "ticket-address",
    event_time: "ticket-event-time",
    text_zh: "ticket-text-zh"
  };

  var ctx = null;
  var catalog = null;
  var catalogPromise = null;
  var ticket = null;      // last ticket JSON from the server (its version goes out as If-Match)
  var busy = false;
  var conflict = null;    // {base, current} while a 412 waits for the agent to reapply or discard
  var reapplied = {};     // field -> {conflict: bool}: the agent's edits put back on a newer ticket, unsaved

  function api(path, opts) {
    opts = opts || {};
    opts.token = ctx.token();
    return H.api(path, opts).catch(function (err) {
      if (err.status === 401) ctx.onAuthError(err);
      throw err;
    });
  }

  /* A change conditional on the version the editor shows: If-Match: "7".  Rejects with
   * H.ApiError; a 412 also carries `current`, the ticket as it is now. */
  function send(path, method, body, version) {
    return api(path, { method: method, body: body || {}, version: version });
  }

  function showError(err) {
    var box = $("ticket-error");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!err) { box.hidden = true; return; }
    box.appendChild(L.bi("操作失败", "Failed"));
    box.appendChild(H.el("code", { class: "err-code", text: " " + (err.code || "error") + ": " }));
    box.appendChild(H.el("span", { lang: "en", text: err.message || "" }));
    box.hidden = false;
  }

  function message(zh, en) {
    var p = $("ticket-message");
    while (p.firstChild) p.removeChild(p.firstChild);
    if (zh) p.appendChild(L.bi(zh, en));
  }

  /* ---------- catalog -> <select> options ---------- */
  function fillSelect(field, items) {
    var sel = $(FIELDS[field]);
    var keep = sel.value;
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    sel.appendChild(H.el("option", { value: "", text: "— 请选择 Select —" }));
    (items || []).forEach(function (it) {
      sel.appendChild(H.el("option", { value: it.code, text: (it.zh || it.code) + (it.en ? "  " + it.en : "") }));
    });
    if (keep) setSelect(sel, keep);
  }

  /* Select a value, adding an option for a code the catalog does not know (so it is not lost). */
  function setSelect(sel, value) {
    value = value === null || value === undefined ? "" : String(value);
    var found = Array.prototype.some.call(sel.options, function (o) { return o.value === value; });
    if (!found) sel.appendChild(H.el("option", { value: value, text: value }));
    sel.value = value;
  }

  function loadCatalog() {
    if (catalogPromise) return catalogPromise;
    catalogPromise = api("/api/v1/catalog").then(function (c) {
      catalog = c || {};
      Object.keys(SELECTS).forEach(function (f) { fillSelect(f, catalog[SELECTS[f]]); });
      if (ticket) { fillFields(ticket); renderHistory(ticket.history || []); markDrafted(); }
      return catalog;
    }, function (err) {
      catalogPromise = null;
      showError(err);
      throw err;
    });
    return catalogPromise;
  }

  /* ---------- rendering ---------- */
  function dateOnly(v) {
    if (!v) return "";
    var m = /^(\d{4}-\d{2}-\d{2})/.exec(String(v));
    if (m) return m[1];
    var d = typeof v === "number" ? new Date(v > 1e12 ? v : v * 1000) : new Date(v);
    return isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 10);
  }

  /* The value of a field as the form shows it, for comparing. */
  function formValue(t, field) {
    var v = t[field];
    if (field === "event_time") return dateOnly(v);
    return v === null || v === undefined ? "" : String(v);
  }

  function fillFields(t) {
    Object.keys(FIELDS).forEach(function (f) {
      var node = $(FIELDS[f]);
      if (node.tagName === "SELECT") setSelect(node, formValue(t, f));
      else node.value = formValue(t, f);
    });
  }

  function render(t) {
    ticket = t;
    $("ticket").setAttribute("data-ticket-id", t.id || "");
    H.setText("ticket-number", t.number || t.id);
    var st = $("ticket-status");
    st.textContent = t.status || "";
    st.setAttribute("data-status", t.status || "");
    H.setText("ticket-status-label", L.pair(L.ticketStatus, t.status)[0]);
    $("ticket-submit").disabled = t.status !== "draft";
    H.show("ticket-dispatch", canDispatch(t));

    var meta = $("ticket-meta");
    while (meta.firstChild) meta.removeChild(meta.firstChild);
    var c = t.caller || {};
    var lang = ctx.langLabel ? ctx.langLabel(t.lang) : [t.lang, ""];
    [
      ["语言 Language", lang[1] ? lang[0] + " " + lang[1] : lang[0]], ["渠道 Channel", L.text(L.channel, t.channel)],
      ["来电人 Caller", [c.name, c.phone_masked, c.id_masked].filter(Boolean).join(" · ")],
      ["期限 Deadline", L.time(t.deadline)], ["创建 Created", L.time(t.created_at)]
    ].forEach(function (kv) {
      if (!kv[1]) return;
      meta.appendChild(H.el("span", { class: "meta-item" }, [H.el("span", { class: "meta-key", text: kv[0] + ": " }), String(kv[1])]));
    });

    fillFields(t);
    H.setText("ticket-text-original", t.text_original || "—");
    $("ticket-text-original").setAttribute("lang", t.lang || "");
    renderPhotos(t.attachments);
    renderDraftNotes(t);
    renderHistory(t.history || []);
  }

  /* Image attachments as thumbnails, each a link to the full picture (the id is its capability). */
  function renderPhotos(list) {
    var ul = $("ticket-photos");
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    var photos = (Array.isArray(list) ? list : []).filter(function (a) {
      return a && a.id && (a.kind === "photo" || /^image\//.test(a.content_type || ""));
    });
    photos.forEach(function (a, i) {
      var src = "/api/v1/miniapp/media/" + encodeURIComponent(a.id);
      var alt = "照片 " + (i + 1) + " Photo " + (i + 1);
      ul.appendChild(H.el("li", null, [H.el("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, [
        H.el("img", { src: src, alt: alt, class: "ticket-photo", loading: "lazy", decoding: "async", "data-attachment-id": a.id })])]));
    });
    H.show("ticket-photos-box", photos.length > 0);
  }

  /* draft_fields: {field: suggested value}; draft_flags: ["mt_unavailable", "draft_suggests_department:X", ...] */
  function renderDraftNotes(t) {
    var flags = Array.isArray(t.draft_flags) ? t.draft_flags : [];
    var ul = $("ticket-flags");
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    flags.forEach(function (f) {
      var parts = String(f).split(":"), p = L.draftFlag[parts[0]];
      var value = parts.length > 1 ? " " + valueText(parts.slice(1).join(":"), parts[0] === "draft_suggests_department" ? "department" : null) : "";
      ul.appendChild(H.el("li", { "data-flag": f }, p ? [L.bi(p[0], p[1]), value] : [H.el("code", { text: String(f) })]));
    });
    ul.hidden = !flags.length || t.status !== "draft";
    markDrafted();
  }

  /* A field still holding the drafter's suggestion is marked "草拟 drafted"; an empty
   * Chinese request the drafter could not translate is marked as needing input. */
  function markDrafted() {
    var draft = ticket && ticket.draft_fields && typeof ticket.draft_fields === "object" ? ticket.draft_fields : {};
    var isDraft = !!ticket && ticket.status === "draft";
    document.querySelectorAll("#ticket-form .field[data-field]").forEach(function (box) {
      var f = box.getAttribute("data-field");
      var value = $(FIELDS[f]).value.trim();
      var suggested = formValue(draft, f);
      box.classList.toggle("drafted", isDraft && suggested !== "" && value === suggested.trim());
    });
    var flags = Array.isArray(draft.flags) ? draft.flags : [];
    var noMt = isDraft && flags.indexOf("mt_unavailable") >= 0 && !$("ticket-text-zh").value.trim();
    document.querySelector('#ticket-form .field[data-field="text_zh"]').classList.toggle("needs-input", noMt);
  }

  /* A history value as the agent knows it: catalog codes and statuses by their Chinese names. */
  function valueText(v, field) {
    if (v === null || v === undefined || v === "") return "∅";
    if (typeof v === "object") return JSON.stringify(v);
    if (field === "status") return L.text(L.ticketStatus, v);
    var items = catalog && SELECTS[field] ? catalog[SELECTS[field]] : null;
    var hit = (items || []).filter(function (it) { return it.code === v; })[0];
    return hit && hit.zh ? hit.zh + " (" + v + ")" : String(v);
  }

  function actorText(actor) {
    var me = ctx.seatId ? ctx.seatId() : null;
    if (me && actor === "seat:" + me) return "我 Me";
    if (actor === "system") return "系统 System";
    var m = /^(?:seat|agent):(.{8}).{8,}$/.exec(String(actor || ""));
    return m ? "坐席 seat " + m[1] + "…" : actor;
  }

  function renderHistory(list) {
    var ol = $("ticket-history");
    while (ol.firstChild) ol.removeChild(ol.firstChild);
    list.forEach(function (h) {
      var parts = [L.time(h.at), actorText(h.actor), h.action ? L.text(L.action, h.action) : null].filter(Boolean).join(" · ");
      var li = H.el("li", null, [H.el("span", { class: "hist-head", text: parts })]);
      if (h.field) {
        var f = L.pair(L.field, h.field);
        li.appendChild(H.el("span", { class: "hist-field", text: " " + f[0] + (f[1] ? " " + f[1] : "") + ": " }));
        li.appendChild(H.el("del", { text: valueText(h.old, h.field) }));
        li.appendChild(document.createTextNode(" → "));
        li.appendChild(H.el("ins", { text: valueText(h.new, h.field) }));
      }
      if (h.reason) li.appendChild(H.el("span", { class: "hist-reason", text: " (" + h.reason + ")" }));
      ol.appendChild(li);
    });
    if (!list.length) ol.appendChild(H.el("li", { class: "muted", text: "暂无 None" }));
  }

  function renderTranscript(msgs) {
    var view = renderTranscript.view || (renderTranscript.view = new H.Transcript($("ticket-transcript"), {
      ownFrom: "seat", timeLocale: "zh-CN", hour12: false, labelFor: function (f) { return L.text(L.from, f); } }));
    view.clear();
    view.load(msgs || []);
  }

  function loadTranscript(t) {
    var local = t.session_id ? ctx.transcriptFor(t.session_id) : null;
    if (local && local.length) { renderTranscript(local); return; }
    renderTranscript([]);
    if (!t.session_id) return;
    api("/api/v1/sessions/" + encodeURIComponent(t.session_id)).then(function (s) {
      if (ticket === t || (ticket && ticket.id === t.id)) renderTranscript(s && s.transcript);
    }, function () { /* transcript is a convenience; the ticket stays editable */ });
  }

  /* ---------- actions ---------- */
  function changes() {
    var out = {};
    Object.keys(FIELDS).forEach(function (f) {
      var v = $(FIELDS[f]).value;
      if (f !== "text_zh") v = v.trim();
      if (v !== formValue(ticket, f)) out[f] = v === "" ? null : v;
    });
    return out;
  }

  function changed(t) {
    $("ticket").dispatchEvent(new CustomEvent("ticketchange", { detail: { id: t.id, number: t.number, status: t.status } }));
  }

  /* While a conflict waits for the agent's choice nothing can be sent (it would only meet another 412). */
  function setBusy(b) {
    busy = b;
    b = b || !!conflict;
    $("ticket-save").disabled = b;
    $("ticket-submit").disabled = b || !ticket || ticket.status !== "draft";
    $("ticket-dispatch").disabled = b;
  }

  function save() {
    if (!ticket) return Promise.resolve(null);
    var diff = changes();
    if (!Object.keys(diff).length) {
      message("无修改", "No changes");
      return Promise.resolve(ticket);
    }
    return send("/api/v1/tickets/" + encodeURIComponent(ticket.id), "PATCH", diff, ticket.version).then(function (t) {
      if (t && t.id) { render(t); changed(t); }
      reapplied = {};
      markReapplied();
      message("已保存", "Saved");
      return ticket;
    });
  }

  /* A failed save or action: a 412 opens the conflict notice, anything else the error box. */
  function failed(err) {
    if (!err || err.status !== 412 || !ticket) { showError(err); return; }
    var id = ticket.id;
    (err.current ? Promise.resolve(err.current) : api("/api/v1/tickets/" + encodeURIComponent(id))).then(function (cur) {
      if (ticket && ticket.id === id && cur && cur.id === id) showConflict(cur);
    }, showError);
  }

  function onSave() {
    if (busy || conflict) return;
    setBusy(true);
    showError(null);
    save().catch(failed).then(function () { setBusy(false); });
  }

  function canDispatch(t) {
    return !!t && Array.isArray(t.allowed_actions) && t.allowed_actions.indexOf("dispatch") >= 0;
  }

  /* Accepted: send it to the department chosen in the form (the draft's suggestion by default). */
  function onDispatch() {
    if (busy || conflict || !canDispatch(ticket)) return;
    var dept = $("ticket-department").value;
    if (!dept) { showError({ code: "invalid_field", message: "选择承办部门 Choose the department first" }); return; }
    setBusy(true);
    showError(null);
    save().then(function (t) {
      return send("/api/v1/tickets/" + encodeURIComponent(t.id) + "/dispatch", "POST", { department: dept }, t.version);
    }).then(function (t) {
      render(t);
      changed(t);
      message("已派单：" + dept, "Dispatched to " + dept);
    }).catch(failed).then(function () { setBusy(false); });
  }

  function onSubmit() {
    if (busy || conflict || !ticket) return;
    setBusy(true);
    showError(null);
    save().then(function (t) {
      return send("/api/v1/tickets/" + encodeURIComponent(t.id) + "/submit", "POST", {}, t.version);
    }).then(function (res) {
      if (res && res.id && res.status) return res;
      return api("/api/v1/tickets/" + encodeURIComponent(ticket.id));
    }).then(function (t) {
      render(t);
      changed(t);
      message("已提交，状态：" + L.pair(L.ticketStatus, t.status)[0], "Submitted, status: " + t.status);
    }).catch(failed).then(function () { setBusy(false); });
  }

  /* ---------- someone else changed the ticket (412) ---------- */
  var COMPARED = Object.keys(FIELDS).concat(["status"]);

  function fieldName(f) {
    var p = L.pair(L.field, f);
    return p[1] ? p[0] + " " + p[1] : p[0];
  }

  /* A field's value for the notice: what the form would show, catalog codes by their names. */
  function shown(t, f) {
    var v = formValue(t, f);
    return f === "event_time" ? (v || "∅") : valueText(v, f);
  }

  /* Who changed field f between base and current, and when: the last new history line about it. */
  function changedBy(base, current, f) {
    var seen = Array.isArray(base.history) ? base.history.length : 0;
    var added = Array.isArray(current.history) ? current.history.slice(seen) : [];
    var h = added.filter(function (x) { return x && x.field === f; }).pop();
    return h ? [actorText(h.actor), L.time(h.at)].filter(Boolean).join(" · ") : "";
  }

  function emptyNode(id) {
    var node = $(id);
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /* The form's value for f, as changes() would send it ("" for empty). */
  function edited(mine, f) {
    return mine[f] === null || mine[f] === undefined ? "" : String(mine[f]);
  }

  /* The notice: nothing was saved; what the other person changed (from -> to, who, when); the
   * agent's own unsaved edits, a field both changed marked as a conflict; reapply or discard. */
  function showConflict(current) {
    var base = ticket;
    conflict = { base: base, current: current };
    message(null);
    showError(null);
    var mine = changes();
    var theirs = COMPARED.filter(function (f) { return formValue(base, f) !== formValue(current, f); });

    var box = $("ticket-conflict");
    box.setAttribute("data-version", String(current.version));
    box.setAttribute("data-fields", theirs.join(" "));
    var ul = emptyNode("ticket-conflict-theirs");
    theirs.forEach(function (f) {
      var who = changedBy(base, current, f);
      ul.appendChild(H.el("li", { "data-field": f }, [
        H.el("span", { class: "cf-field", text: fieldName(f) + ": " }),
        H.el("del", { text: shown(base, f) }), " → ", H.el("ins", { text: shown(current, f) }),
        who ? H.el("span", { class: "cf-who", text: " (" + who + ")" }) : null]));
    });
    if (!theirs.length) ul.appendChild(H.el("li", { class: "muted" }, L.bi("表单字段未变，见处理记录", "No form field changed; see the history")));

    var ol = emptyNode("ticket-conflict-mine");
    Object.keys(mine).forEach(function (f) {
      var clash = theirs.indexOf(f) >= 0 && formValue(current, f) !== edited(mine, f);
      ol.appendChild(H.el("li", { "data-field": f, "data-conflict": clash ? "true" : null, class: clash ? "cf-clash" : null }, [
        H.el("span", { class: "cf-field", text: fieldName(f) + ": " }),
        H.el("del", { text: shown(base, f) }), " → ", H.el("ins", { text: valueText(edited(mine, f), f) }),
        clash ? H.el("strong", { class: "cf-mark" }, [" ", L.bi("冲突：对方也改了此项", "Conflict: they changed this too")]) : null]));
    });
    if (!Object.keys(mine).length) ol.appendChild(H.el("li", { class: "muted" }, L.bi("无", "None")));

    H.show(box, true);
    setBusy(busy);
    changed(current);
    $("ticket-reapply").focus();
  }

  function clearConflict() {
    conflict = null;
    reapplied = {};
    H.show("ticket-conflict", false);
    markReapplied();
  }

  /* Marks on the fields reapplied: "unsaved" while the box differs from the stored ticket, and
   * "conflict" (with the other person's value) where both changed the same field. */
  function markReapplied() {
    document.querySelectorAll("#ticket-form .field[data-field]").forEach(function (box) {
      var f = box.getAttribute("data-field");
      var node = $(FIELDS[f]);
      Array.prototype.slice.call(box.querySelectorAll(".field-note")).forEach(function (n) { box.removeChild(n); });
      var r = reapplied[f];
      var unsaved = !!r && !!ticket && (f === "text_zh" ? node.value : node.value.trim()) !== formValue(ticket, f);
      if (r && !unsaved) { delete reapplied[f]; r = null; }   /* saved, or put back to the stored value */
      box.classList.toggle("unsaved", unsaved);
      box.classList.toggle("conflict", !!r && !!r.conflict);
      var notes = [];
      if (r && r.conflict) {
        notes.push(H.el("p", { id: "note-conflict-" + f, class: "field-note note-conflict" }, [
          L.bi("冲突：对方已改为", "Conflict: someone else changed this to"), " ",
          H.el("q", { text: valueText(r.theirs, f) }), "; ", L.bi("框内是您的修改", "the box holds yours")]));
      }
      if (unsaved) notes.push(H.el("p", { id: "note-unsaved-" + f, class: "field-note note-unsaved" }, L.bi("未保存", "Unsaved")));
      notes.forEach(function (n) { box.appendChild(n); });
      if (notes.length) node.setAttribute("aria-describedby", notes.map(function (n) { return n.id; }).join(" "));
      else node.removeAttribute("aria-describedby");
    });
  }

  /* Load the ticket as it is now and put the agent's edits (relative to where they started)
   * back on top, unsaved: the next Save sends them with the new version. */
  function reapply() {
    if (!conflict) return;
    var base = conflict.base, current = conflict.current;
    var mine = changes();
    conflict = null;
    H.show("ticket-conflict", false);
    render(current);
    reapplied = {};
    var first = null;
    Object.keys(mine).forEach(function (f) {
      var node = $(FIELDS[f]);
      var v = edited(mine, f);
      if (node.tagName === "SELECT") setSelect(node, v); else node.value = v;
      var theirs = formValue(current, f) !== formValue(base, f);
      reapplied[f] = { conflict: theirs && formValue(current, f) !== v, theirs: formValue(current, f) };
      if (!first || (reapplied[f].conflict && !reapplied[first].conflict)) first = f;
    });
    markReapplied();
    markDrafted();
    setBusy(false);
    if (Object.keys(mine).length) {
      message("已在最新工单上重新应用您的修改，尚未保存：请核对后保存", "Your changes are back on top of the current ticket, not saved yet: check them and press Save");
    } else {
      message("已显示最新工单", "Showing the ticket as it is now");
    }
    (first ? $(FIELDS[first]) : $("ticket-save")).focus();
  }

  /* Drop the agent's edits and show the ticket as it is now. */
  function discard() {
    if (!conflict) return;
    var current = conflict.current;
    clearConflict();
    render(current);
    markDrafted();
    setBusy(false);
    message("已放弃您的修改，显示最新工单", "Your edits were discarded; this is the ticket as it is now");
    $("ticket-category").focus();
  }

  function open(ref) {
    if (!ref || !ref.id) return;
    clearConflict();
    showError(null);
    message("加载中…", "Loading…");
    H.setText("ticket-number", ref.number || "");
    H.setText("ticket-status", ref.status || "");
    if (!ticket || ticket.id !== ref.id) renderPhotos([]);
    H.show("ticket", true);
    loadCatalog().catch(function () { /* shown already */ });
    api("/api/v1/tickets/" + encodeURIComponent(ref.id)).then(function (t) {
      render(t);
      message(null);
      loadTranscript(t);
      $("ticket-category").focus();
    }, showError);
  }

  function close() {
    clearConflict();
    ticket = null;
    H.show("ticket", false);
  }

  function init(c) {
    ctx = c;
    $("ticket-save").addEventListener("click", onSave);
    $("ticket-submit").addEventListener("click", onSubmit);
    $("ticket-dispatch").addEventListener("click", onDispatch);
    $("ticket-close").addEventListener("click", close);
    $("ticket-form").addEventListener("submit", function (e) { e.preventDefault(); onSave(); });
    $("ticket-form").addEventListener("input", markDrafted);
    $("ticket-form").addEventListener("change", markDrafted);
    $("ticket-form").addEventListener("input", markReapplied);
    $("ticket-form").addEventListener("change", markReapplied);
    $("ticket-reapply").addEventListener("click", reapply);
    $("ticket-discard").addEventListener("click", discard);
  }

  function reset() {
    close();
    catalog = null;
    catalogPromise = null;
  }

  /* Unsaved edits in the open ticket (another ticket must not replace it silently). */
  function dirty() {
    return !!ticket && !$("ticket").hidden && Object.keys(changes()).length > 0;
  }

  H.Ticket = { init: init, open: open, close: close, loadCatalog: loadCatalog, reset: reset, dirty: dirty,
               current: function () { return ticket && ticket.id; } };
})();

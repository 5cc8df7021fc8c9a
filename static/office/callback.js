/* The callback team (回访): the department's reply, the survey read to the caller in the caller's
 * language beside the Chinese (GET /api/v1/survey?lang=), resolved yes/no and a 5-level
 * satisfaction → POST /callback; close a satisfied ticket; or send an inadequate reply to review. */
(function () {
  "use strict";
  var H = window.Hotline;
  var L = H.L;
  var O = H.Office;

  var surveys = {};            /* lang -> Promise<survey body> */
  /* GET /api/v1/survey?lang=xx: {lang, dir, resolved_question, yes, no, satisfaction_question,
   * note_question, thanks, levels: [{value, label}]}; the lines are read out in this order. */
  var LINES = ["intro", "resolved_question", "satisfaction_question", "note_question", "thanks"];

  function fetchSurvey(lang) {
    if (!surveys[lang]) {
      surveys[lang] = O.api("/api/v1/survey?lang=" + encodeURIComponent(lang)).then(null, function (err) {
        delete surveys[lang];
        O.showError(err);
        return {};
      });
    }
    return surveys[lang];
  }

  function levelsOf(body) {
    var out = {};
    (Array.isArray(body.levels) ? body.levels : []).forEach(function (l) { out[String(l.value)] = l.label; });
    return out;
  }

  /* The caller's survey and the Chinese one → {lang, dir, questions: [{id, text, zh}], yes, no, levels: {n: {text, zh}}} */
  function survey(lang) {
    lang = lang || "zh";
    return Promise.all([fetchSurvey(lang), fetchSurvey("zh")]).then(function (both) {
      var b = both[0] || {}, zh = both[1] || {};
      var lv = levelsOf(b), lvZh = levelsOf(zh), levels = {};
      Object.keys(lv).forEach(function (k) { levels[k] = { text: lv[k], zh: lvZh[k] || "" }; });
      return {
        lang: b.lang || lang, dir: b.dir || "auto", levels: levels,
        yes: { text: b.yes || "", zh: zh.yes || "" }, no: { text: b.no || "", zh: zh.no || "" },
        questions: LINES.filter(function (k) { return typeof b[k] === "string"; }).map(function (k) {
          return { id: k, text: b[k], zh: typeof zh[k] === "string" ? zh[k] : "" };
        })
      };
    });
  }

  /* caller's language | Chinese, side by side */
  function twoLang(p, lang, dir, id) {
    return H.el("div", { class: "two-lang", id: id || null }, [
      H.el("p", { class: "caller-lang", lang: lang, dir: dir || "auto", text: p.text || "—" }),
      H.el("p", { class: "zh-lang", lang: "zh", text: p.zh || (lang === "zh" ? p.text : "—") })]);
  }

  function radio(name, value, id, label) {
    return H.el("label", { class: "of-radio", for: id }, [H.el("input", { type: "radio", name: name, value: value, id: id, required: true }), " ", label]);
  }

  function callbackForm(t) {
    var lang = t.lang || "zh";
    var qbox = H.el("div", { id: "survey-questions", class: "survey-questions", "data-lang": lang, "data-loaded": "false" });
    var resolved = H.el("fieldset", { class: "of-radios" }, [H.el("legend", null, L.bi("问题是否已解决？", "Was the problem solved?")),
      radio("cb-resolved", "yes", "cb-resolved-yes", L.bi("已解决", "Yes")), radio("cb-resolved", "no", "cb-resolved-no", L.bi("未解决", "No"))]);
    var levels = H.el("fieldset", { class: "of-radios of-levels" }, [H.el("legend", null, L.bi("满意度", "Satisfaction"))]);
    [1, 2, 3, 4, 5].forEach(function (n) {
      levels.appendChild(radio("cb-satisfaction", String(n), "cb-sat-" + n,
        H.el("span", { class: "level-label", "data-level": n }, [H.el("strong", { text: String(n) }), " ", L.biFor(L.office.satisfaction, n)])));
    });
    var note = H.el("textarea", { id: "cb-note", rows: 2, maxlength: 4000 });
    var channel = H.el("select", { id: "cb-channel" }, ["phone", "miniapp", "chat"].map(function (c) {
      return H.el("option", { value: c, selected: c === (t.channel === "miniapp" || t.channel === "chat" ? t.channel : "phone"), text: L.text(L.office.channel, c) });
    }));
    survey(lang).then(function (s) {
      s.questions.forEach(function (q) {
        var row = twoLang(q, s.lang, s.dir);
        row.setAttribute("data-question", q.id);
        qbox.appendChild(row);
      });
      /* the answers' words in the caller's language, beside the Chinese ones */
      function callerWords(span, text) {
        if (span && text && s.lang !== "zh") H.append(span, [" · ", H.el("span", { class: "caller-lang", lang: s.lang, dir: s.dir, text: text })]);
      }
      callerWords(resolved.querySelector('label[for="cb-resolved-yes"]'), s.yes.text);
      callerWords(resolved.querySelector('label[for="cb-resolved-no"]'), s.no.text);
      Object.keys(s.levels).forEach(function (k) { callerWords(levels.querySelector('.level-label[data-level="' + k + '"]'), s.levels[k].text); });
      qbox.setAttribute("data-loaded", "true");
    });
    return O.form("callback-form", ["回访问卷", "Callback survey"], [
      H.el("p", { class: "hint" }, L.bi("请按来电人的语言读出问题（左），中文在右。", "Read the questions in the caller's language (left); Chinese on the right.")),
      qbox, resolved, levels,
      O.labelled("cb-note", "备注（可选）", "Note (optional)", note),
      O.labelled("cb-channel", "回访方式", "Channel", channel),
      O.button("callback-submit", "记录回访", "Record callback", "btn-primary")
    ], function (ev) {
      var form = ev.target;
      var r = form.querySelector('input[name="cb-resolved"]:checked');
      var s = form.querySelector('input[name="cb-satisfaction"]:checked');
      var body = { resolved: r ? r.value === "yes" : null, satisfaction: s ? parseInt(s.value, 10) : null, channel: channel.value };
      if (note.value.trim()) body.note = note.value.trim();
      return O.act("callback", body, "回访已记录", "Callback recorded");
    });
  }

  function closeForm() {
    return O.form("close-form", ["办结", "Close the ticket"], [
      H.el("p", { class: "hint" }, L.bi("来电人满意，回访已完成。", "The caller is satisfied and the survey is recorded.")),
      O.button("close-submit", "办结", "Close", "btn-primary")
    ], function () { return O.act("close", {}, "工单已办结", "Ticket closed"); });
  }

  function reviewForm() {
    var why = H.el("input", { id: "review-reason", type: "text", maxlength: 1000, required: true });
    return O.form("review-form", ["答复不充分", "Reply inadequate"], [
      O.labelled("review-reason", "理由", "Reason", why),
      O.button("review-submit", "转复核", "Send to review", "btn-danger")
    ], function () { return O.act("review", { reason: why.value }, "已转复核", "Sent to review"); });
  }

  O.views.callback = {
    actions: function (t, box) {
      if (t.status === "callback" && O.can(t, "close", ["callback"])) box.appendChild(closeForm());
      if ((t.status === "replied" || t.status === "callback") && O.can(t, "callback", ["replied", "callback"])) box.appendChild(callbackForm(t));
      if (t.status === "replied" && O.can(t, "review", ["replied"])) box.appendChild(reviewForm());
    }
  };
})();

/* Machine translation in the console: Chinese beneath each caller message, and
 * composing in Chinese for the caller (sent as machine translation).
 *
 * The server adds `translation: {lang, text, flags, mt}` to messages, sends a
 * `translation` event when a caller message's Chinese arrives later, and tells
 * each session `mt: {from_caller, to_caller}`: which directions have a model.
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var FLAG_TEXT = {
    mt_identical: "译文与原文相同 unchanged",
    mt_repetition: "重复词 repetition",
    mt_wrong_script: "文字不对 wrong script",
    mt_empty: "空 empty",
    mt_length: "长度异常 odd length"
  };

  /* The line shown under a message, or null. */
  function extraText(m) {
    var t = m && m.translation;
    if (t && typeof t === "object" && typeof t.text === "string" && t.text && t.text !== m.text) {
      var head = t.lang === "zh" ? "机译 MT 中文: " : "机译 MT → " + t.lang + ": ";
      var flags = (t.flags || []).map(function (f) { return FLAG_TEXT[f] || f; });
      return head + t.text + (flags.length ? "  ⚠ 译文可疑 suspect: " + flags.join(", ") : "");
    }
    var x = m && (m.text_zh || m.translated);
    return typeof x === "string" && x && x !== m.text ? x : null;
  }

  /* A `translation` event: attach it to the stored message; returns the updated message or null. */
  function attach(msgs, ev) {
    var m = msgs.get(ev.seq);
    if (!m) return null;
    var copy = Object.assign({}, m, { translation: { lang: ev.lang, text: ev.text, flags: ev.flags || [], mt: true } });
    msgs.set(ev.seq, copy);
    return copy;
  }

  /* Show the "write in Chinese" switch only where a zh -> caller model exists. */
  function renderCompose(session) {
    var box = document.getElementById("compose-zh-box");
    var input = document.getElementById("compose-zh");
    if (!box || !input) return;
    var can = !!(session && !session.ended && session.mt && session.mt.to_caller);
    box.hidden = !can;
    if (!can) input.checked = false;
  }

  function composeLang() {
    var input = document.getElementById("compose-zh");
    return input && !input.hidden && input.checked && !document.getElementById("compose-zh-box").hidden ? "zh" : null;
  }

  H.MT = { extraText: extraText, attach: attach, renderCompose: renderCompose, composeLang: composeLang };
})();

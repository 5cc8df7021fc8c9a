/* The first screen of the caller page: one big button per served language,
 * labelled with its native name (and the English name in small type). */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});

  /* list: [{code, name, native, dir}]; onChoose(code) is called on click. */
  H.renderLanguagePicker = function (box, list, onChoose) {
    while (box.firstChild) box.removeChild(box.firstChild);
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", "picker-heading");
    list.forEach(function (l) {
      var dir = l.dir === "rtl" ? "rtl" : "ltr";
      var b = H.el("button", { type: "button", class: "lang-btn", "data-lang": l.code, lang: l.code, dir: dir }, [
        H.el("span", { class: "lang-native", text: l.native || l.name || l.code }),
        l.name && l.name !== l.native ? H.el("span", { class: "lang-english", lang: "en", dir: "ltr", text: l.name }) : null
      ]);
      b.addEventListener("click", function () { onChoose(l.code); });
      box.appendChild(b);
    });
  };
})();

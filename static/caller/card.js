/* The caller's card on the video page: address, phone, what happened and pictogram chips.
 * While the caller signs, every change goes to the gateway ({"type": "card"}, debounced);
 * the gateway stores it, shows it to the seat and answers {"type": "card_saved"}.
 *
 *   Hotline.CallerCard.init({send: fn(obj) -> bool, storeKey: "..."})
 *   Hotline.CallerCard.saved(card) / failed(errorMsg) -> bool (true if the error was about the card)
 *   Hotline.CallerCard.resend()   after a (re)connect; Hotline.CallerCard.reset()
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var $ = H.$;
  var t = H.I18n.t;
  var DEBOUNCE_MS = 600;

  var ctx = null;
  var timer = null;
  var pendingSince = 0;        // a card was sent and not yet confirmed
  var phone = "";              // the phone as last committed (on change), so half-typed numbers are not sent
  var dirty = false;

  function chips() {
    return Array.prototype.filter.call($("card-chips").querySelectorAll("button[data-chip]"), function (b) {
      return b.getAttribute("aria-pressed") === "true";
    }).map(function (b) { return b.getAttribute("data-chip"); });
  }

  function current() {
    return { address: $("card-address").value.trim(), phone: phone, what: $("card-what").value.trim(), chips: chips() };
  }

  function isEmpty(c) { return !c.address && !c.phone && !c.what && !c.chips.length; }

  function keep(c) {
    try { sessionStorage.setItem(ctx.storeKey, JSON.stringify(c)); } catch (e) { /* ignore */ }
  }

  function status(key, state) {
    var p = $("card-status");
    p.textContent = key ? t(key) : "";
    p.setAttribute("data-state", state || "");
  }

  function sendNow() {
    clearTimeout(timer);
    var c = current();
    keep(c);
    if (!dirty) return;
    if (ctx.send({ type: "card", card: c })) {
      pendingSince = Date.now();
      dirty = false;
    }
  }

  function changed() {
    dirty = true;
    status(null, "editing");
    clearTimeout(timer);
    timer = setTimeout(sendNow, DEBOUNCE_MS);
  }

  function renderChips() {
    var box = $("card-chips");
    var on = {};
    chips().forEach(function (c) { on[c] = true; });
    while (box.firstChild) box.removeChild(box.firstChild);
    H.CHIPS.forEach(function (code) {
      var b = H.el("button", { type: "button", class: "chip", "data-chip": code, "aria-pressed": on[code] ? "true" : "false" }, [
        H.picto(code),
        H.el("span", { class: "chip-label", text: t("chip_" + code) })
      ]);
      b.addEventListener("click", function () {
        b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
        changed();
      });
      box.appendChild(b);
    });
  }

  function restore() {
    var c = null;
    try { c = JSON.parse(sessionStorage.getItem(ctx.storeKey) || "null"); } catch (e) { c = null; }
    if (!c) return;
    $("card-address").value = c.address || "";
    $("card-phone").value = phone = c.phone || "";
    $("card-what").value = c.what || "";
    (c.chips || []).forEach(function (code) {
      var b = $("card-chips").querySelector('button[data-chip="' + code.replace(/[^a-z_]/g, "") + '"]');
      if (b) b.setAttribute("aria-pressed", "true");
    });
    dirty = !isEmpty(c);
  }

  function init(c) {
    ctx = c;
    renderChips();
    restore();
    $("card-form").addEventListener("submit", function (e) { e.preventDefault(); sendNow(); });
    $("card-address").addEventListener("input", changed);
    $("card-what").addEventListener("input", changed);
    $("card-phone").addEventListener("input", function () { status(null, "editing"); });
    $("card-phone").addEventListener("change", function () {
      phone = $("card-phone").value.trim();
      H.show("card-phone-error", false);
      changed();
    });
    H.I18n.onApply(function () {
      renderChips();
      var st = $("card-status").getAttribute("data-state");
      if (st === "saved") status("card_saved", "saved");
    });
  }

  function saved(card) {
    if (dirty) return;                   /* a newer change is on its way */
    pendingSince = 0;
    H.show("card-phone-error", false);
    status("card_saved", "saved");
    if (card && card.phone_masked && $("card-phone") !== document.activeElement) $("card-phone").setAttribute("data-masked", card.phone_masked);
  }

  /* The gateway answers a bad card with an error frame; the only field it can refuse is the phone. */
  function failed(m) {
    if (!pendingSince || Date.now() - pendingSince > 10000 || m.code !== "invalid_field") return false;
    pendingSince = 0;
    var p = $("card-phone-error");
    p.textContent = t("error_phone");
    p.hidden = false;
    status("error_generic", "error");
    return true;
  }

  function resend() {
    var c = current();
    if (!isEmpty(c)) { dirty = true; sendNow(); }
  }

  function reset() {
    clearTimeout(timer);
    pendingSince = 0;
    dirty = false;
    phone = "";
    ["card-address", "card-phone", "card-what"].forEach(function (id) { $(id).value = ""; });
    Array.prototype.forEach.call($("card-chips").querySelectorAll("button[data-chip]"), function (b) {
      b.setAttribute("aria-pressed", "false");
    });
    H.show("card-phone-error", false);
    status(null, "");
    try { sessionStorage.removeItem(ctx.storeKey); } catch (e) { /* ignore */ }
  }

  H.CallerCard = { init: init, saved: saved, failed: failed, resend: resend, reset: reset, flush: sendNow };
})();

/* A back-office page's bearer token, kept for this browser tab only (sessionStorage).
 *
 *   var tok = new Hotline.StoredToken("hotline.supervisor", ["hotline.office"]);
 *   tok.load()      -> its own token, else one borrowed from another page's login in this tab, or null
 *   tok.save(t)     keep t (a borrowed token is not copied: it stays the other page's)
 *   tok.clear()     forget it
 *   tok.borrowed    true when the token came from another page (so this page must not log it out)
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});

  function read(key) {
    try {
      var saved = JSON.parse(sessionStorage.getItem(key) || "null");
      return saved && typeof saved.token === "string" ? saved.token : null;
    } catch (e) { return null; }            /* unreadable or private mode: ask again */
  }

  function StoredToken(own, others) {
    this.own = own;
    this.others = others || [];
    this.borrowed = false;
  }

  StoredToken.prototype.load = function () {
    var mine = read(this.own);
    this.borrowed = false;
    if (mine) return mine;
    for (var i = 0; i < this.others.length; i++) {
      var t = read(this.others[i]);
      if (t) { this.borrowed = true; return t; }
    }
    return null;
  };

  StoredToken.prototype.save = function (t) {
    this.borrowed = false;
    try { sessionStorage.setItem(this.own, JSON.stringify({ token: t })); } catch (e) { /* private mode */ }
  };

  StoredToken.prototype.clear = function () {
    this.borrowed = false;
    try { sessionStorage.removeItem(this.own); } catch (e) { /* ignore */ }
  };

  H.StoredToken = StoredToken;
})();

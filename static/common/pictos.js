/* Pictograms for the card's "what happened" chips: small line drawings built as inline SVG
 * (no emoji font needed on an offline kiosk or an intranet PC; no innerHTML).
 *   Hotline.CHIPS                  the chip codes, in display order (docs/PROTOCOL.md)
 *   Hotline.picto(code) -> <svg>   24x24, stroke in currentColor, aria-hidden
 */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  var NS = "http://www.w3.org/2000/svg";

  /* each shape: a path string, or ["circle", cx, cy, r] */
  var ICONS = {
    noise: ["M4 9h4l5-4v14l-5-4H4z", "M16 9a4 4 0 0 1 0 6", "M18.5 6.5a7.5 7.5 0 0 1 0 11"],
    water: ["M12 3c-3 4.5-6 8-6 11a6 6 0 0 0 12 0c0-3-3-6.5-6-11z"],
    fire: ["M12 3c.5 3.5 5 5.5 5 11a5 5 0 0 1-10 0c0-2.5 1.5-4 2.5-6 .5 2 1.5 3 2.5 3.5.5-2.5.5-5.5 0-8.5z"],
    injury: [["circle", 12, 12, 9], "M12 7.5v9", "M7.5 12h9"],
    theft: ["M6 9h12l-1 11H7z", "M9 9V7a3 3 0 0 1 6 0v2", "M3 3l18 18"],
    lost_item: [["circle", 10, 10, 6], "M14.5 14.5L20 20", "M8.5 8.5a2 2 0 1 1 2.5 2v1", "M11 13.5v.01"],
    money: ["M3 7h18v10H3z", ["circle", 12, 12, 2.5], "M6 10v4", "M18 10v4"],
    housing: ["M3 11l9-7 9 7", "M5 10v10h14V10", "M10 20v-6h4v6"],
    transport: ["M5 4h14v12H5z", "M5 11h14", "M8 19v-3", "M16 19v-3", "M8 13.5h.01", "M16 13.5h.01"],
    documents: ["M6 3h8l4 4v14H6z", "M14 3v4h4", "M9 12h6", "M9 16h6"],
    health: ["M12 20s-7-4.5-7-10a4 4 0 0 1 7-2.5A4 4 0 0 1 19 10c0 5.5-7 10-7 10z", "M8 12h2l1-2 2 4 1-2h2"],
    work: ["M3 8h18v11H3z", "M9 8V5h6v3", "M3 13h18"],
    rubbish: ["M5 7h14", "M9 7V4h6v3", "M7 7l1 13h8l1-13", "M10 11v6", "M14 11v6"],
    animal: [["circle", 12, 15.5, 3.5], ["circle", 6.5, 10, 1.6], ["circle", 9.5, 6, 1.6], ["circle", 14.5, 6, 1.6], ["circle", 17.5, 10, 1.6]],
    other: [["circle", 12, 12, 9], "M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .8-1 1.5v.7", "M12 17v.01"]
  };

  H.CHIPS = ["noise", "water", "fire", "injury", "theft", "lost_item", "money", "housing", "transport",
    "documents", "health", "work", "rubbish", "animal", "other"];

  H.picto = function (code) {
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "picto");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    (ICONS[code] || ICONS.other).forEach(function (shape) {
      var el;
      if (typeof shape === "string") {
        el = document.createElementNS(NS, "path");
        el.setAttribute("d", shape);
      } else {
        el = document.createElementNS(NS, "circle");
        el.setAttribute("cx", shape[1]);
        el.setAttribute("cy", shape[2]);
        el.setAttribute("r", shape[3]);
      }
      svg.appendChild(el);
    });
    return svg;
  };
})();

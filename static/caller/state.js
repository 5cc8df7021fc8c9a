/* What the three caller pages (chat, video, voice) say about the conversation, in one place so the
 * pages cannot drift apart.
 *
 *   Hotline.CallerState.connection(st, t) -> {key, text}
 *     the status line; st: {phase, sockStatus, everOpened, peerPresent, seatName, media?}
 *     (media: the state of the call with the seat, video and voice pages only)
 *   Hotline.CallerState.interpreter(cur, m, t) -> {text, kind} | null
 *     an `interpreter` event (docs/PROTOCOL.md "Interpreting"): updates cur {state, name, lang}
 *     in place and returns the notice to show, or null when nothing changed for the caller.
 *   Hotline.CallerState.label(from, seatName, t)   who a transcript line or live text is from
 */
(function () {
  "use strict";
  var H = window.Hotline;

  function connection(st, t) {
    var open = st.phase === "connected";
    if (st.phase === "ended") return { key: "ended", text: t("ended") };
    if (st.sockStatus === "waiting" || (st.sockStatus === "connecting" && st.everOpened)) return { key: "reconnecting", text: t("reconnecting") };
    if (st.sockStatus !== "open") return { key: "connecting", text: t("connecting") };
    if (open && !st.peerPresent) return { key: "agent-disconnected", text: t("agent_disconnected") };
    if (open && (st.media === "failed" || st.media === "disconnected")) return { key: "media-reconnecting", text: t("video_reconnecting") };
    if (open) return { key: "connected", text: t("connected_to", { name: st.seatName || t("agent") }) };
    return { key: "queued", text: t("state_queued") };
  }

  /* "ringing" is still a request as far as the caller is concerned; the same state sent again
   * (e.g. the status the gateway repeats after a reconnect) says nothing new. */
  function interpreter(cur, m, t) {
    var state = m.state === "ringing" ? "requested" : m.state;
    var was = cur.state;
    var hadJoined = was === "joined" || was === "away";
    if (m.name) cur.name = String(m.name);
    if (m.lang) cur.lang = m.lang;
    if (state === "left" || state === "cancelled") {
      cur.state = null;
      cur.name = null;
      if (state === "left" && !hadJoined) return null;
      return was ? { text: t("interpreter_left"), kind: "warn" } : null;
    }
    cur.state = state;
    if (state === was) return null;
    if (state === "requested") return { text: t("interpreter_requested"), kind: "" };
    if (state === "joined") return { text: t("interpreter_joined", { name: cur.name || "" }).replace(/\s+/g, " "), kind: "ok" };
    if (state === "away") return { text: t("interpreter_away"), kind: "warn" };
    return null;
  }

  function label(from, seatName, t) {
    if (from === "caller") return t("you");
    if (from === "seat") return seatName || t("agent");
    if (from === "interpreter") return t("interpreter");
    return t("system");
  }

  H.CallerState = { connection: connection, interpreter: interpreter, label: label };
})();

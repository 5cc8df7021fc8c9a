/* Console wording: Chinese first, English in smaller type (agents work in Shanghai). */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});

  var L = {
    seatState: {
      available: ["空闲", "Available"],
      busy: ["忙碌", "Busy"],
      wrap_up: ["话后整理", "Wrap-up"],
      away: ["离开", "Away"],
      offline: ["离线", "Offline"],
      connecting: ["连接中…", "Connecting…"]
    },
    channel: {
      chat: ["文字", "Chat"],
      video: ["视频", "Video"],
      voice: ["语音", "Voice"],
      form: ["表单", "Form"],
      miniapp: ["自助（小程序）", "Self-service (mini program)"],
      kiosk: ["自助终端", "Kiosk"],
      interpret: ["口译邀请", "Interpreting request"]
    },
    ticketStatus: {
      draft: ["草稿", "Draft"],
      accepted: ["已受理", "Accepted"],
      dispatched: ["已派单", "Dispatched"],
      returned: ["已退回", "Returned"],
      replied: ["已答复", "Replied"],
      callback: ["回访中", "Callback"],
      review: ["复核中", "Review"],
      closed: ["已办结", "Closed"]
    },
    from: {
      caller: ["来电人", "Caller"],
      seat: ["我", "Me"],
      interpreter: ["口译员", "Interpreter"],
      system: ["系统", "System"]
    },
    /* the same, in a session this console interprets */
    fromAsInterpreter: {
      caller: ["来电人", "Caller"],
      seat: ["坐席", "Agent"],
      interpreter: ["我", "Me"],
      system: ["系统", "System"]
    },
    role: {
      seat: ["坐席", "Agent"],
      interpreter: ["口译", "Interpreting"]
    },
    /* the `interpreter` events, as the seat sees them */
    interpreterState: {
      requested: ["正在寻找口译员…", "Looking for an interpreter…"],
      ringing: ["正在呼叫口译员…", "Ringing an interpreter…"],
      joined: ["口译员已加入", "Interpreter joined"],
      away: ["口译员连接中断…", "Interpreter's connection lost…"],
      left: ["口译员已离开", "The interpreter left"],
      cancelled: ["口译请求已取消", "Interpreting request cancelled"]
    },
    /* why an interpreter's part ended (`ended` with role "interpreter") */
    interpretingEnded: {
      left: ["你已离开通话", "You left the call"],
      dismissed: ["坐席已结束口译", "The agent ended the interpreting"],
      call_ended: ["通话已结束", "The call ended"],
      seat_lost: ["坐席连接中断，口译结束", "The agent's connection was lost; interpreting ended"]
    },
    endedBy: {
      seat: ["坐席结束了会话", "You ended the session"],
      caller: ["来电人结束了会话", "The caller ended the session"],
      system: ["系统结束了会话", "The system ended the session"]
    },
    withdrawn: {
      timeout: ["超时未接，已收回", "Offer timed out"],
      caller_left: ["来电人已离开", "The caller left"]
    },
    /* why the seat's state changed; only the ones worth telling the seat about */
    stateReason: {
      no_answer: ["未接听，已置为离开", "missed an offer, set to away"],
      rejected: ["已拒绝，置为离开", "rejected, set to away"],
      disconnected: ["连接中断", "connection lost"]
    },
    /* ticket draft_flags */
    draftFlag: {
      mt_unavailable: ["机器翻译不可用：请根据原文填写中文诉求", "Machine translation unavailable: write the Chinese request from the original text"],
      mt_suspect: ["机器译文可疑，已忽略：请核对原文", "The machine translation looked wrong and was ignored: check the original"],
      low_confidence_department: ["承办部门把握不大，请核对", "Department suggestion is uncertain: please check"],
      low_confidence_category: ["诉求类型把握不大，请核对", "Request type suggestion is uncertain: please check"],
      no_district: ["未识别到上海的地点", "No place in Shanghai recognised"],
      language_detected: ["语言为自动识别", "The language was detected automatically"],
      no_caller_text: ["来电人未输入文字：请根据手语/通话内容填写", "The caller typed nothing: fill the ticket from the call"],
      /* "draft_suggests_department:CODE": the resident chose another department than the drafter would */
      draft_suggests_department: ["起草程序建议的承办部门：", "The drafter suggests the department:"]
    },
    action: {
      create: ["创建", "created"],
      edit: ["修改", "edited"],
      attach: ["附件", "attached"],
      submit: ["受理", "accepted"],
      dispatch: ["派单", "dispatched"],
      sign: ["签收", "signed"],
      "return": ["退单", "returned"],
      reroute: ["改派", "re-routed"],
      reply: ["答复", "replied"],
      start_callback: ["回访", "callback"],
      callback_dissatisfied: ["复核", "to review"],
      extend: ["延期", "extended"],
      close: ["办结", "closed"],
      merge: ["合并", "merged"]
    },
    field: {
      category: ["类别", "Category"],
      department: ["承办部门", "Department"],
      district: ["区", "District"],
      address: ["地址", "Address"],
      event_time: ["事发日期", "Event date"],
      text_zh: ["诉求内容", "Request (Chinese)"],
      status: ["状态", "Status"],
      deadline: ["期限", "Deadline"],
      caller: ["来电人", "Caller"],
      attachments: ["附件", "Attachments"]
    }
  };

  /* [zh, en] pair for a code, or the raw code when unknown. */
  L.pair = function (table, code) {
    var p = table[code];
    return p ? p : [String(code === null || code === undefined ? "" : code), ""];
  };

  /* "忙碌 Busy" as plain text (for status lines and notices). */
  L.text = function (table, code) {
    var p = L.pair(table, code);
    return p[1] ? p[0] + " " + p[1] : p[0];
  };

  /* <span>中文 <span class="en">English</span></span> */
  L.bi = function (zh, en) {
    return H.el("span", null, [zh, en ? " " : null, en ? H.el("span", { class: "en", lang: "en", text: en }) : null]);
  };

  L.biFor = function (table, code) {
    var p = L.pair(table, code);
    return L.bi(p[0], p[1]);
  };

  L.time = function (iso) {
    if (!iso) return "";
    var d = typeof iso === "number" ? new Date(iso > 1e12 ? iso : iso * 1000) : new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toLocaleString("zh-CN", { hour12: false });
  };

  H.L = L;
})();

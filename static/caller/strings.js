/* English caller-page strings, used only when GET /api/v1/languages/{code}/strings fails
 * or lacks a key.  Keep in step with languages/data/ui/en.json (the reference). */
(function () {
  "use strict";
  var H = (window.Hotline = window.Hotline || {});
  H.CALLER_STRINGS_EN = {
    "title": "Shanghai 12345 Citizen Service Hotline",
    "machine_translation": "Machine translation from Chinese; it may contain mistakes.",
    "subtitle": "Live text chat with a service agent",
    "choose_language": "Choose your language",
    "change_language": "Change language",
    "start_heading": "Chat with a service agent",
    "start_intro": "Write your question and an agent who reads your language will answer. You can start writing while you wait.",
    "start_chat": "Start chat",
    "starting": "Starting…",
    "queue_title": "Waiting for an agent",
    "queue_position": "You are number {n} in the queue",
    "eta": "Estimated wait: about {n} min",
    "eta_unknown": "No agent for your language is online yet. Please stay: you keep your place in the queue.",
    "connecting": "Connecting…",
    "reconnecting": "Connection lost. Reconnecting…",
    "state_queued": "Waiting in the queue",
    "connected_to": "You are chatting with {name}",
    "agent_disconnected": "Your agent's connection dropped. Please wait, they may come back.",
    "agent_back": "Your agent is back.",
    "requeued": "You are back at the front of the queue. The next free agent will take your chat.",
    "chat_log_label": "Conversation",
    "message_label": "Your message",
    "chat_placeholder": "Type your message…",
    "enter_hint": "Press Enter to send, Shift+Enter for a new line.",
    "send": "Send",
    "sending": "Sending…",
    "end_chat": "End chat",
    "ended": "The chat has ended.",
    "ended_by_seat": "The agent has ended the chat.",
    "ended_by_caller": "You have ended the chat.",
    "ended_by_system": "The chat was closed by the system.",
    "reference_number": "Your reference number:",
    "reference_hint": "Keep this number to follow up on your request.",
    "new_chat": "Start a new chat",
    "retry": "Try again",
    "error_generic": "Something went wrong. Please try again.",
    "error_session_lost": "This chat is no longer available. Please start a new chat.",
    "you": "You",
    "agent": "Agent",
    "system": "System"
  };
})();

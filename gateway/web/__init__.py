"""The HTTP and WebSocket edge: parse, call one service function, serialise."""

"""Live chat sessions: the caller and seat WebSocket hubs and the service that ties them to the queue."""

"""Access: who is calling and what they may see (the HTTP layer's credentials and object checks)."""

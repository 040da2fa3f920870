"""Security: field encryption, log masking, credentials and roles, audit log, rate limits."""

"""Case API for the Guizhou 个人身后"一件事" service."""

"""Tilmeld's event contracts: the CloudEvents envelope, topic names and every payload."""

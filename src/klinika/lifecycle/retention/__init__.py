"""Retention of medical documentation: rules (art. 29 ust. 1), legal holds, the due queue, erasure."""

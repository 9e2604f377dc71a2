"""The tamper-evident record (审计记录): an append-only, hash-chained log of what happened.

The bottom floor: it imports nothing of ours, and every other app may write to it.
"""

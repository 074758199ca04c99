"""Records' states and allowed moves, one table per record type, and the one function that moves them.

``transitions``: the tables and ``transition()`` (checks the move and the actor, stamps the times,
writes the audit entry). ``postings``: the flow staffing requests and exchange offers share (draft,
open, withdraw, reopen, expire, edit while nothing is proposed). A layer above ``audit``, below every
domain that has states.
"""

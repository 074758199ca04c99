"""Exchange rings (交流の輪): who is in which ring, and a ring's whole life from proposal to agreement.

A round proposes rings of exchange offers; the coordinating city approves or rejects them; every
city in an approved ring confirms (or refuses); the last confirmation agrees the ring and the
dispatch domain, subscribed to ``events.ring_agreed``, turns each leg into a dispatch. Membership
is a table (ring, offer, officer, leg order), so "is this offer or officer in a live ring?" is one
indexed query.
"""

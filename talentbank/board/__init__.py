"""The demand board (需要ボード): every city's live staffing requests and exchange offers on one page.

A view across two domains, so it sits above both (requests and exchange) in the layers.
"""

"""thumbor's URL dialect: grammar, signatures, filters, meta JSON and the endpoint.

thumbor URLs map onto the same `Options`, cache and pipeline as imgproxy URLs; the package
root imports nothing heavy so the grammar and signer can be used on their own.
"""

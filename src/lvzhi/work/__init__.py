"""Services: each operation is one transaction with its permission check and its audit entry.

Faces (cli, web) call these and never open a transaction of their own for a change.
"""

"""The central FHIR R4 server that every CashDesk device syncs with (`cashdesk central serve`).

It stores FHIR resources as they come, versioned, with a history every device pulls from; it knows
nothing of the desktop's tables or window. Modules: schema (its tables), accounts (users, devices, tokens),
store (reads, searches, history, versioned writes, transactions), app (the HTTP routes), capability (the
CapabilityStatement).
"""

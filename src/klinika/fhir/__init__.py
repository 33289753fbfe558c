"""FHIR R4 mapping of klinika's domain (fhir.resources models, never hand-written JSON).

`mappers/` holds one module per resource type: `to_fhir(domain) -> resource`, `from_fhir(resource) ->
values` (model field values, nothing saved) and `values(domain)` (the same values read from the
model, what a round trip must give back). `handover.py` streams a clinic's resources for the
handover export and loads them back into a fresh clinic (`klinika clinic import`).
"""

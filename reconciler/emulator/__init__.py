"""A faithful emulator of the Seamless REST API, served over HTTPS on loopback.

A room of its own, shaped like moto: `routes` parses requests and serializes
answers, `backend` runs every operation of the API document over the store,
with the rules in families beside it (`creation`, `type_change`, `teams`,
`validation`, `stages`, `shapes`; `seeding` loads the fixture), `errors`
render the service's error bodies, `middleware` runs the cross-cutting checks
in one ordered chain, and `control` is the reserved `/_emulator/` path for tests.
It imports nothing else from `reconciler`: it is a second, independent reading
of the API document, and only the CLI imports it (lazily).
"""

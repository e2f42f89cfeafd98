"""The app: settings, wiring (app.py, deps.py, cli.py), logs and the clock at the root; the layers in
sub-packages (tavus, store, services, slack, web)."""

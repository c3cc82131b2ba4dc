"""The built-in runbooks: ``backup``, ``deploy``, ``compliance`` and ``health``.

``nornir-pack run NAME`` uses them with any config from any folder; a runbook of the same name in
``runbooks/`` beside config.yaml overrides one (``nornir-pack runbooks`` lists which a run would
use). Each is a plain module with ``run`` and a ``preflight`` hook, importable for your own
runbooks (``from nornir_pack.runbooks import backup``). ``templates/`` and ``compliance.yaml``
here are the lab example's intended configs and rules, the defaults of the ``template_dir`` and
``rules`` settings.
"""

"""The process shell: settings, logs, metrics, systemd notification and pre-start checks."""

"""What operators see: a request id on every log line (web and worker), JSON logs, error reporting, and metrics."""

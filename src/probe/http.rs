//! HTTP probes: requests against an endpoint, checked for status, body and latency.

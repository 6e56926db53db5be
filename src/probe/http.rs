//! HTTP probes: requests against an endpoint, checked for status, body and latency.
//!
//! [`run_http`] sends a rendered [`HttpProbeSpec`] `samples` times, one request after another,
//! and returns an [`HttpReport`] whose [`HttpReport::checks`] become the probe's tests.

mod client;
mod json_path;
mod report;
mod run;

pub use client::{ClientError, client};
pub use json_path::lookup;
pub use report::{
    BODY_HEAD_BYTES, BodyVerdict, FailureKind, HttpReport, JsonVerdict, Latency, Sample,
};
pub use run::{HttpProbeSpec, MAX_BODY_BYTES, run_http};

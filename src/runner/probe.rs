//! Runs one `[[probe]]`: fills in its templates and hands it to the probe of its kind.

use std::collections::BTreeMap;

use crate::config::{ProbeKind, ProbePlan};
use crate::probe::ProbeReport;
use crate::probe::http::{HttpProbeSpec, run_http};
use crate::probe::websocket::{WsProbeSpec, run_websocket};
use crate::redact::Redactor;

/// Runs `plan` with `values` for its `${…}` names; HTTP probes share `client`.
pub async fn run_probe(
    plan: &ProbePlan,
    values: &BTreeMap<String, String>,
    redactor: &Redactor,
    client: &reqwest::Client,
) -> ProbeReport {
    let url = plan.url.render(values);
    let headers: Vec<(String, String)> = plan
        .headers
        .iter()
        .map(|(k, t)| (k.clone(), t.render(values)))
        .collect();
    match &plan.kind {
        ProbeKind::Http {
            method,
            body,
            expect_status,
            body_contains,
            json_field,
            samples,
        } => {
            let spec = HttpProbeSpec {
                name: plan.name.clone(),
                method: method.clone(),
                url,
                headers,
                body: body.as_ref().map(|b| b.render(values)),
                expect_status: expect_status.clone(),
                body_contains: body_contains.clone(),
                json_field: json_field.clone(),
                timeout: plan.timeout,
                samples: *samples,
                redactor: redactor.clone(),
            };
            ProbeReport::Http(Box::new(run_http(&spec, client).await))
        }
        ProbeKind::WebSocket {
            send,
            event_field,
            expect_events,
            in_order,
            connections,
            max_message_size,
        } => {
            let spec = WsProbeSpec {
                name: plan.name.clone(),
                url,
                headers,
                send: send.iter().map(|m| m.render(values)).collect(),
                event_field: event_field.clone(),
                expect_events: expect_events.clone(),
                in_order: *in_order,
                timeout: plan.timeout,
                connections: *connections,
                max_message_size: *max_message_size,
                redactor: redactor.clone(),
            };
            ProbeReport::WebSocket(run_websocket(&spec).await)
        }
    }
}

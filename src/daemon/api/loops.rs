//! `/api/v1/loops…`: loop states, triggers, history, and each iteration's JSON and report (as
//! Markdown, or rendered to HTML for the dashboard).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::ApiState;
use super::error::ApiError;
use crate::daemon::coordinator::{Refused, TriggerRequest};
use crate::daemon::status;
use crate::model::{IterationRef, LoopName};
use crate::store::Store;

/// `GET /api/v1/loops`.
pub async fn index(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let activity = state.coordinator.activity();
    let next_fires = state.next_fires();
    let config = state.config.clone();
    let statuses = blocking(move || status::all(&config, &activity, &next_fires)).await?;
    Ok(Json(statuses).into_response())
}

/// `GET /api/v1/loops/{name}`.
pub async fn one(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let name = loop_name(&name)?;
    let activity = state.coordinator.activity();
    let next_fires = state.next_fires();
    let config = state.config.clone();
    let found = blocking(move || status::one(&config, &name, &activity, &next_fires)).await?;
    found
        .map(|status| Json(status).into_response())
        .ok_or_else(|| ApiError::not_found("no such loop definition"))
}

/// The optional body of a trigger.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerBody {
    #[serde(default)]
    new_loop: bool,
}

/// `POST /api/v1/loops/{name}/iterations`: 202 with the numbers, 409 when skipped.
pub async fn trigger(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = loop_name(&name)?;
    let body: TriggerBody = if body.iter().all(u8::is_ascii_whitespace) {
        TriggerBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body must be JSON like {{\"new_loop\": true}}: {e}"),
            )
        })?
    };
    let request = TriggerRequest {
        name,
        new_loop: body.new_loop,
        source: "manual (api)".into(),
    };
    match state.coordinator.trigger(request).await {
        Ok(accepted) => Ok((StatusCode::ACCEPTED, Json(accepted)).into_response()),
        Err(refused) => {
            let status = match &refused {
                Refused::UnknownLoop(_) => StatusCode::NOT_FOUND,
                Refused::Busy { .. } => StatusCode::CONFLICT,
                Refused::Stopping => StatusCode::SERVICE_UNAVAILABLE,
                Refused::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Refused::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            Err(ApiError::new(status, refused.to_string()))
        }
    }
}

/// `GET /api/v1/loops/{name}/iterations`: every iteration, newest first.
pub async fn history(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let name = loop_name(&name)?;
    let config = state.config.clone();
    let rows = blocking(move || Store::open(&config.database())?.history(&name)).await?;
    Ok(Json(rows).into_response())
}

/// `GET /api/v1/loops/{name}/iterations/{loop}/{iteration}`: the iteration's JSON.
pub async fn iteration_json(
    State(state): State<ApiState>,
    Path((name, loop_number, iteration)): Path<(String, u32, u32)>,
) -> Result<Response, ApiError> {
    let contents = report_file(&state, &name, loop_number, iteration, "json").await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], contents).into_response())
}

/// `GET /api/v1/loops/{name}/iterations/{loop}/{iteration}/report`: the Markdown report.
pub async fn iteration_report(
    State(state): State<ApiState>,
    Path((name, loop_number, iteration)): Path<(String, u32, u32)>,
) -> Result<Response, ApiError> {
    let contents = report_file(&state, &name, loop_number, iteration, "md").await?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        contents,
    )
        .into_response())
}

/// `GET /api/v1/loops/{name}/iterations/{loop}/{iteration}/report.html`: the Markdown report
/// rendered as an HTML fragment for the dashboard (raw HTML escaped, see [`report::html`]).
///
/// [`report::html`]: crate::report::html
pub async fn iteration_report_html(
    State(state): State<ApiState>,
    Path((name, loop_number, iteration)): Path<(String, u32, u32)>,
) -> Result<Response, ApiError> {
    let markdown = report_file(&state, &name, loop_number, iteration, "md").await?;
    // A report of many failures can be large: render it off the async threads.
    let html = tokio::task::spawn_blocking(move || {
        crate::report::html::markdown_to_html(&String::from_utf8_lossy(&markdown))
    })
    .await
    .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Opened on its own rather than through the dashboard, the fragment may run
            // nothing and load nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html,
    )
        .into_response())
}

/// Reads `reports/<name>/<stem>.<extension>` of the iteration, found through the store: the
/// path is never built from user input beyond a checked loop name and two numbers.
async fn report_file(
    state: &ApiState,
    name: &str,
    loop_number: u32,
    iteration: u32,
    extension: &'static str,
) -> Result<Vec<u8>, ApiError> {
    let name = loop_name(name)?;
    let at = IterationRef {
        loop_number,
        iteration,
    };
    let config = state.config.clone();
    let rows = {
        let name = name.clone();
        blocking(move || Store::open(&config.database())?.history(&name)).await?
    };
    let Some(row) = rows.into_iter().find(|row| row.at == at) else {
        return Err(ApiError::not_found(format!("{name} has no {at}")));
    };
    if row.verdict.is_none() {
        return Err(ApiError::not_found(format!(
            "{at} of {name} has no report yet (it is still running)"
        )));
    }
    // Iterations recovered after a crash have a report but no stem recorded.
    let stem = row
        .report_stem
        .unwrap_or_else(|| crate::report::files::stem(at, row.started_at));
    let path = state
        .config
        .reports_dir
        .join(name.as_str())
        .join(format!("{stem}.{extension}"));
    match tokio::fs::read(&path).await {
        Ok(contents) => Ok(contents),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::not_found(format!(
            "the report of {at} of {name} is gone from reports/"
        ))),
        Err(e) => Err(ApiError::internal(format!(
            "failed to read {}: {e}",
            path.display()
        ))),
    }
}

fn loop_name(text: &str) -> Result<LoopName, ApiError> {
    LoopName::new(text).map_err(|e| ApiError::not_found(e.to_string()))
}

/// Runs a store read on the blocking pool.
async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("{:#}", anyhow::Error::new(e))))
}

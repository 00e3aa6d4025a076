//! `GET /metrics`: the Prometheus text format, rendered on request by
//! metrics-exporter-prometheus from what claimguard (with its `metrics`
//! feature) and anything else in the service recorded.

use axum::Router;
use axum::http::header;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// A recorder and the handle that renders what it recorded; the service
/// installs the recorder (`metrics::set_global_recorder`) before building
/// its verifier.
pub fn recorder() -> (PrometheusRecorder, PrometheusHandle) {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    (recorder, handle)
}

/// The route serving `handle`'s rendering.
pub fn routes(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
            }
        }),
    )
}

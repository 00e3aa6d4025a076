//! `cargo run --example oidc`
//!
//! Serves `GET /health`, `GET /ready` and `GET /me` on `CLAIMGUARD_ADDR`
//! (default `127.0.0.1:3000`), verifying RFC 9068 access tokens from the
//! identity provider at `OIDC_ISSUER` (keys by OpenID Connect Discovery) for
//! the audience `OIDC_AUDIENCE`. It waits at most 10 s for the first key set
//! before it listens, and otherwise exits with status 1 and a one-line
//! reason. `GET /metrics` serves claimguard's series (and any other) in the
//! Prometheus text format; claimguard's events go to stderr (`RUST_LOG`-style
//! filtering is left out: `info` and above). Tokens bound to a DPoP key
//! (RFC 9449) need `Authorization: DPoP` and a proof for `PUBLIC_ORIGIN`
//! (default `http://` + `CLAIMGUARD_ADDR`); `REDIS_URL`, when set, keeps
//! the proofs seen in Redis, shared by every instance.

use std::time::Duration;

use claimguard_examples::oidc::{Settings, prepare};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .init();
    let (recorder, metrics) = claimguard_examples::metrics::recorder();
    if metrics::set_global_recorder(recorder).is_err() {
        eprintln!("oidc: a metrics recorder is installed already");
        std::process::exit(1);
    }
    let served = async {
        let settings = Settings::from(|name| std::env::var(name).ok())?;
        let (app, listener) = prepare(&settings, Duration::from_secs(10)).await?;
        let app = app.merge(claimguard_examples::metrics::routes(metrics));
        println!("claimguard oidc listening on http://{}", settings.addr);
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    };
    if let Err(reason) = served.await {
        eprintln!("oidc: {reason}");
        std::process::exit(1);
    }
}

//! `cargo run --example oidc`
//!
//! Serves `GET /health`, `GET /ready` and `GET /me` on `CLAIMGUARD_ADDR`
//! (default `127.0.0.1:3000`), verifying RFC 9068 access tokens from the
//! identity provider at `OIDC_ISSUER` (keys by OpenID Connect Discovery) for
//! the audience `OIDC_AUDIENCE`. It waits at most 10 s for the first key set
//! before it listens, and otherwise exits with status 1 and a one-line
//! reason.

use std::time::Duration;

use claimguard_examples::oidc::{Settings, prepare};

#[tokio::main]
async fn main() {
    let served = async {
        let settings = Settings::from(|name| std::env::var(name).ok())?;
        let (app, listener) = prepare(&settings, Duration::from_secs(10)).await?;
        println!("claimguard oidc listening on http://{}", settings.addr);
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    };
    if let Err(reason) = served.await {
        eprintln!("oidc: {reason}");
        std::process::exit(1);
    }
}

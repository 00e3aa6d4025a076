//! `cargo run --example quickstart`
//!
//! Serves `GET /me`, `GET /maybe`, `GET /admin` (role `admin`) and
//! `GET /health` on `CLAIMGUARD_ADDR` (default `127.0.0.1:3000`), verifying
//! HS256 tokens with the secret in `JWT_SECRET` (at least 32 bytes). Without `JWT_SECRET` it makes a random
//! secret and prints a token and a curl line to try.

use claimguard_examples::quickstart;

/// 48 random bytes, hex-encoded: from the OS where it has `/dev/urandom`,
/// else from the standard library's randomly seeded hasher (fine for a demo,
/// not for production secrets).
fn random_secret() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::io::Read;
    let mut bytes = [0u8; 48];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_os.is_err() {
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_usize(i);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("CLAIMGUARD_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let (secret, generated) = match std::env::var("JWT_SECRET") {
        Ok(secret) => (secret, false),
        Err(_) => (random_secret(), true),
    };
    let app =
        quickstart::app(secret.as_bytes()).map_err(|e| format!("JWT_SECRET is not usable: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("claimguard quickstart listening on http://{addr}");
    if generated {
        let token = quickstart::mint(secret.as_bytes(), "alice", 3600)?;
        println!("no JWT_SECRET set; using a random one for this run");
        println!("a token for `alice`, valid for an hour:\n\n  {token}\n");
        println!("try:\n\n  curl -H 'Authorization: Bearer {token}' http://{addr}/me\n");
    }
    axum::serve(listener, app).await?;
    Ok(())
}

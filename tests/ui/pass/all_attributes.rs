//! Every attribute at once, nested types, and a custom rejection.

use axum::response::{IntoResponse, Response};
use claimguard::{Claims, Rejection};

#[derive(claimguard::Bounded)]
enum Role {
    #[claims(rename = "admin")]
    Admin,
    Reader,
}

#[derive(claimguard::Bounded)]
struct Org {
    id: u64,
    #[claims(max_len = 64)]
    name: Box<str>,
    #[claims(max_items = 4, max_len = 8)]
    tags: std::collections::BTreeSet<String>,
}

struct MyError;

impl From<Rejection> for MyError {
    fn from(_: Rejection) -> Self {
        MyError
    }
}

impl IntoResponse for MyError {
    fn into_response(self) -> Response {
        "no".into_response()
    }
}

#[derive(Claims)]
#[claims(
    algorithms = [HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA],
    issuer = ["https://a.example", "https://b.example"],
    audience = "api",
    leeway = 30,
    max_token_bytes = 4096,
    source = header("X-Token"),
    required = [nbf, iat, sub, jti],
    typ = "at+jwt",
    rejection = MyError,
    crate = ::claimguard,
)]
struct Everything {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 8)]
    roles: Vec<Role>,
    org: Option<Org>,
    #[claims(max_items = 4, max_len = 16)]
    scores: std::collections::HashMap<String, u32>,
    // `max_len` caps string values too.
    #[claims(max_items = 4, max_len = 16)]
    attributes: std::collections::BTreeMap<String, String>,
    #[claims(max_len = 2)]
    pair: [String; 2],
    #[claims(rename = "n", default)]
    count: u32,
    #[claims(max_len = 16)]
    shared: Option<std::sync::Arc<str>>,
    flags: [bool; 3],
    ratio: Option<f64>,
    initial: char,
}

fn main() {
    use claimguard::Bounded;
    assert!(<Everything as Bounded>::MAX_HEAP > 64);
    let _ = <Everything as Claims>::CONFIG;
}

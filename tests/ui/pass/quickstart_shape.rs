use claimguard::{Claims, Verifier};

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256, ES256], issuer = "https://issuer.example", audience = "quickstart", leeway = 30)]
struct User {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 8, max_len = 32, default)]
    roles: Vec<String>,
    #[claims(max_len = 254)]
    email: Option<String>,
}

fn main() {
    let _ = Verifier::<User>::builder();
    assert!(<User as claimguard::Bounded>::MAX_HEAP > 0);
}

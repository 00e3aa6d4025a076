use claimguard::Claims;

#[derive(Claims, Clone)]
#[claims(algorithms = [HS256], max_token_bytes = "4096")]
struct User {
    exp: u64,
}

fn main() {}

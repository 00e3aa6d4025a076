use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], max_token_bytes = 0)]
struct User {
    exp: u64,
}

fn main() {}

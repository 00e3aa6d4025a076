use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [RS256], max_token_bytes = 200)]
struct User {
    exp: u64,
}

fn main() {}

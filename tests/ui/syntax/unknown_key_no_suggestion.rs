use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], frobnicate = 1)]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], audience = [])]
struct User {
    exp: u64,
}

fn main() {}

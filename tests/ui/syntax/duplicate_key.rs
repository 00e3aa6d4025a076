use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], leeway = 1, leeway = 2)]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], required = ["nbf"])]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], audience = ["a", 1])]
struct User {
    exp: u64,
}

fn main() {}

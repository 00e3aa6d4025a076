use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [])]
struct User {
    exp: u64,
}

fn main() {}

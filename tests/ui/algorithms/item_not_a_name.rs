use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [1])]
struct User {
    exp: u64,
}

fn main() {}

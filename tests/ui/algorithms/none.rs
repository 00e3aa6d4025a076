use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [none])]
struct User {
    exp: u64,
}

fn main() {}

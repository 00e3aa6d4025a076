use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [hs256])]
struct User {
    exp: u64,
}

fn main() {}

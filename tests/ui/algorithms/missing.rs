use claimguard::Claims;

#[derive(Claims)]
struct User {
    exp: u64,
}

fn main() {}

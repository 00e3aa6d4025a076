use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [Ed25519])]
struct User {
    exp: u64,
}

fn main() {}

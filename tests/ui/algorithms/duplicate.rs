use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256, HS256])]
struct User {
    exp: u64,
}

fn main() {}

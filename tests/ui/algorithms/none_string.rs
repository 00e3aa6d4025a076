use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = ["None"])]
struct User {
    exp: u64,
}

fn main() {}

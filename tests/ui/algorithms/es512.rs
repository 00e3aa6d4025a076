use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [ES512])]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS257])]
struct User {
    exp: u64,
}

fn main() {}

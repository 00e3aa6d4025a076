use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], typ = "")]
struct User {
    exp: u64,
}

fn main() {}

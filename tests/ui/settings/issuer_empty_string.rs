use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "")]
struct User {
    exp: u64,
}

fn main() {}

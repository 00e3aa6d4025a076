use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = 42)]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], isuer = "https://issuer.example")]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(issuer = "x")]
    exp: u64,
}

fn main() {}

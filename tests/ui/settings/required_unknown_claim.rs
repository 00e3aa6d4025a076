use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], required = [email])]
struct User {
    exp: u64,
}

fn main() {}

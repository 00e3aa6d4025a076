use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], typ = JWT)]
struct User {
    exp: u64,
}

fn main() {}

use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], source = cookie(""))]
struct User {
    exp: u64,
}

fn main() {}

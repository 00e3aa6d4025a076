use claimguard::Claims;

#[derive(Claims, Clone)]
#[claims(algorithms = [HS256], cache = 10)]
struct User {
    exp: u64,
}

fn main() {}

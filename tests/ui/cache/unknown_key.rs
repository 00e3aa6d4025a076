use claimguard::Claims;

#[derive(Claims, Clone)]
#[claims(algorithms = [HS256], cache(capacity = 10, ttl = 60, size = 3))]
struct User {
    exp: u64,
}

fn main() {}

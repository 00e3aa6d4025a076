use claimguard::Claims;

#[derive(Claims, Clone)]
#[claims(algorithms = [HS256], cache(capacity = 0, ttl = 60))]
struct User {
    exp: u64,
}

fn main() {}

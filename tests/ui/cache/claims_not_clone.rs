use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], cache(capacity = 100, ttl = 60))]
struct User {
    exp: u64,
}

fn main() {}

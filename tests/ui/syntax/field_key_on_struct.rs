use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], max_len = 64)]
struct User {
    exp: u64,
}

fn main() {}
